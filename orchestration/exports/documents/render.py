"""Customer documents rendered to HTML and PDF, the same bytes for the same ledger.

Jinja2 fills one template per document; WeasyPrint (Pango for text layout) prints the same
HTML to PDF. WeasyPrint is chosen because it needs no browser or network, prints CSS paged
media (page numbers, A4 margins) and lets every PDF field that would vary be fixed:

- fonts: DejaVu Sans shipped beside this module (fonts/LICENSE) is embedded as a subset, so
  no system font decides the look;
- metadata: creation and modification dates are the document's issue date (HTML `dcterms`
  meta tags), the file identifier is derived from the number and the close's content hash.

The HTML file is self-contained (inline CSS, no fonts or images to fetch), so it opens from a
mail attachment; only the PDF loads the font files, from this package.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"

# Only the shipped font files are used; the family name matches no system font.
FONT_FACES = f"""
@font-face {{ font-family: "Meterline Sans"; font-weight: normal;
    src: url("{(FONTS / "DejaVuSans.ttf").as_uri()}"); }}
@font-face {{ font-family: "Meterline Sans"; font-weight: bold;
    src: url("{(FONTS / "DejaVuSans-Bold.ttf").as_uri()}"); }}
html {{ font-family: "Meterline Sans"; }}
"""

# Without HarfBuzz's subsetter WeasyPrint subsets the embedded fonts with fontTools, and two prints
# of one document then differ in their font bytes: a re-export would not be byte-identical.
MISSING_SUBSETTER = (
    "HarfBuzz's font subsetter (libharfbuzz-subset.so.0) is missing: without it the PDFs' embedded "
    "fonts differ from one print to the next. Install it: `make pdf-libs` (Debian: libharfbuzz-subset0)"
)

# Digit grouping and decimal mark per document language (French: narrow no-break space, comma).
NUMBER_FORMATS = {"en": (",", "."), "fr": ("\u202f", ",")}


def _grouped(text: str, language: str) -> str:
    group, mark = NUMBER_FORMATS.get(language, NUMBER_FORMATS["en"])
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    grouped = group.join([whole, *groups])
    return sign + grouped + (mark + fraction if fraction else "")


def money(amount_minor: int, minor_units: int, language: str) -> str:
    """Integer minor units as a decimal amount, exact (no floating point)."""
    return _grouped(f"{Decimal(amount_minor).scaleb(-minor_units):f}", language)


def quantity(value: str | None, language: str) -> str:
    """A decimal text without trailing zeros (`1000.000000` -> `1,000`)."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    text = f"{number.normalize():f}" if number != number.to_integral() else f"{number.to_integral():f}"
    return _grouped(text, language)


def percent(rate: str | None, language: str) -> str:
    """A tax rate fraction (`0.250000`) as a percentage (`25 %`)."""
    if rate is None:
        return ""
    return quantity(str(Decimal(rate) * 100), language) + ("\u202f%" if language == "fr" else "%")


def iban(value: str) -> str:
    """An IBAN in groups of four, as banks print it."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def fill(template: str, **values: object) -> str:
    """Replace `{name}` placeholders of an invoice text."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters.update(money=money, quantity=quantity, percent=percent, iban=iban, fill=fill)
    return environment


def render_page(template: str, **context: Any) -> str:
    """A template of templates/ as one self-contained HTML page, styled by document.css."""
    stylesheet = (TEMPLATES / "document.css").read_text("utf-8")
    return _environment().get_template(template).render(stylesheet=stylesheet, **context)


def render_html(document: dict[str, Any]) -> str:
    """The document as one self-contained HTML page."""
    return render_page("document.html.j2", document=document)


def document_identity(document: dict[str, Any]) -> str:
    """A customer document is its number and the close that froze it."""
    return f"{document['invoice_number']}\0{document['close_content_sha256']}"


def render_pdf(html: str, identity: str) -> bytes:
    """The HTML printed to PDF with embedded fonts and fixed metadata; the file identifier is
    derived from `identity`, which names the page and the content it prints."""
    # Imported here: it takes over a second to load, and most commands print no PDF.
    import weasyprint
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        raise RuntimeError(MISSING_SUBSETTER)

    identifier = hashlib.sha256(identity.encode()).hexdigest()[:32]
    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        stylesheets=[weasyprint.CSS(string=FONT_FACES)],
        pdf_identifier=identifier.encode(),
    )
    assert pdf is not None
    return pdf


def write_documents(documents: list[dict[str, Any]], folder: Path) -> list[tuple[Path, int]]:
    """`<number>.html` and `<number>.pdf` per document into `folder`; (path, line count) each."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for document in documents:
        html = render_html(document)
        html_path = folder / f"{document['invoice_number']}.html"
        pdf_path = folder / f"{document['invoice_number']}.pdf"
        html_path.write_text(html, "utf-8")
        pdf_path.write_bytes(render_pdf(html, document_identity(document)))
        lines = len(document["lines"])
        written.extend([(html_path, lines), (pdf_path, lines)])
    return written
