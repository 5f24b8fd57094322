"""Customer documents and the finance report of the closed demo month, checked as a person would.

The HTML opens in headless Chromium (no console error, no missing resource); the PDFs are
turned into PNG pages (pdftoppm) and read back as text (pdftotext); every printed total is
compared with the frozen ledger to the cent, parsed from the page, not from the renderer.
Needs `make browser-tools` (Debian chromium and poppler-utils).
"""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.browser_support import browser_tools_missing, open_in_chromium
from tests.e2e_support import PERIOD, DemoMonth, Deployment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(browser_tools_missing()), reason="run `make browser-tools` first"),
]
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TOTAL_KEYS = {"net": "label.total_net", "tax": "label.total_tax"}


def _texts() -> dict[tuple[str, str], str]:
    texts = {}
    for name in ("close/invoice_texts.csv", "documents/document_labels.csv"):
        with (SEEDS / name).open(newline="", encoding="utf-8") as handle:
            texts.update(
                {(row["text_key"], row["language_code"]): row["text"] for row in csv.DictReader(handle)}
            )
    return texts


def _flat(text: str) -> str:
    """Whitespace as one space (pdftotext wraps and spaces columns as the page lays them out)."""
    return " ".join(text.replace("\u202f", " ").split())


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _printed_amount(text: str, label: str, currency: str, language: str) -> Decimal:
    """The amount printed after `label` and before the currency code, as the page shows it."""
    digits = r"-?[0-9][0-9 ,.\u202f]*"
    match = re.search(rf"{re.escape(label)}\s+({digits})\s*{currency}", text)
    assert match, f"{label!r} with an amount in {currency} not found"
    printed = match.group(1).replace("\u202f", "").replace(" ", "")
    printed = printed.replace(",", ".") if language == "fr" else printed.replace(",", "")
    return Decimal(printed)


@pytest.fixture(scope="module")
def approved(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield demo_month.copy_to(tmp_path_factory.mktemp("documents"))


def _ledger_documents(deployment: Deployment) -> list[dict[str, object]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        cursor = con.execute(
            """
            select i.invoice_number, i.document_type, i.language_code, i.currency_code, i.minor_units,
                i.net_amount_minor, i.tax_amount_minor, i.gross_amount_minor, i.original_invoice_number,
                list(distinct l.legal_mention_code) filter (where l.legal_mention_code is not null)
                    as mentions,
                list(distinct cast(l.tax_rate as varchar)) as rates,
                i.approval_reasons = '' or exists (
                    select 1 from ledger.approvals as a where a.invoice_number = i.invoice_number
                ) as is_approved,
                coalesce(
                    (select r.payment_reference from ledger.payment_references as r
                     where r.invoice_number = i.invoice_number),
                    i.invoice_number
                ) as payment_reference
            from ledger.invoices as i inner join ledger.invoice_lines as l using (invoice_number)
            where i.billing_period = ? group by all order by i.invoice_number
            """,
            [PERIOD],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _check_document(folder: Path, document: dict[str, object], texts: dict[tuple[str, str], str]) -> str:
    """The PDF's pages and text against the ledger; returns the page text."""
    number, language, currency = (
        document["invoice_number"],
        str(document["language_code"]),
        document["currency_code"],
    )
    pdf = folder / f"{number}.pdf"
    assert pdf.exists() and (folder / f"{number}.html").exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]
    pngs = folder.parents[2] / "pages" / str(number)  # beside the exports, never inside them
    pngs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(pngs / "page")], check=True)
    assert 1 <= pages <= 3 and len(list(pngs.glob("page-*.png"))) == pages
    text = _pdf_text(pdf)
    flat = _flat(text)
    label = lambda key: texts.get((key, language), texts[(key, "en")])  # noqa: E731
    assert f"{label('document.' + str(document['document_type']))} {number}" in flat
    assert f"{_flat(label('label.payment_reference'))}: {document['payment_reference']}" in flat
    units = int(document["minor_units"])  # type: ignore[call-overload]
    for kind, key in TOTAL_KEYS.items():
        ledger = Decimal(int(document[f"{kind}_amount_minor"])).scaleb(-units)  # type: ignore[call-overload]
        assert _printed_amount(text, label(key), str(currency), language) == ledger, (number, kind)
    gross_key = "label.total_credit" if document["document_type"] == "credit_note" else "label.total_gross"
    ledger_gross = Decimal(int(document["gross_amount_minor"])).scaleb(-units)  # type: ignore[call-overload]
    assert _printed_amount(text, label(gross_key), str(currency), language) == ledger_gross, number
    for mention in document["mentions"] or []:  # type: ignore[attr-defined]
        assert _flat(label(f"legal.{mention}")) in flat, (number, mention)
    if document["original_invoice_number"]:
        corrects = label("label.corrects").replace(
            "{original_invoice}", str(document["original_invoice_number"])
        )
        assert _flat(corrects) in flat
    return text


def test_every_approved_document_prints_the_ledger_totals_and_legal_mentions(approved: Deployment) -> None:
    folder = approved.exports_dir / PERIOD / "documents"
    texts = _texts()
    documents = _ledger_documents(approved)
    exported = [d for d in documents if d["is_approved"]]
    held = [d for d in documents if not d["is_approved"]]
    assert exported and held, "the demo month has approved documents and one held for high value"
    assert sorted(p.stem for p in folder.glob("*.pdf")) == sorted(str(d["invoice_number"]) for d in exported)
    for document in exported:
        _check_document(folder, document, texts)
    reverse_charged = [d for d in exported if "reverse_charge_b2b" in (d["mentions"] or [])]  # type: ignore[operator]
    assert reverse_charged, "the demo month bills a reverse-charged customer"
    reverse_text = _flat(_pdf_text(folder / f"{reverse_charged[0]['invoice_number']}.pdf"))
    assert "Reverse charge" in reverse_text and "Art. 196 Directive 2006/112/EC" in reverse_text
    assert any(d["language_code"] == "fr" for d in exported), "a document in French is checked too"


def test_documents_and_report_are_listed_in_the_manifest(approved: Deployment) -> None:
    import json

    folder = approved.exports_dir / PERIOD
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {entry["file"] for entry in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in (folder / "documents").iterdir()}
    assert on_disk and on_disk <= listed
    assert "report.html" in listed


def test_rendering_twice_gives_identical_bytes(approved: Deployment, tmp_path: Path) -> None:
    from orchestration.close.reference import load_close_reference
    from orchestration.exports.documents.content import document_contents
    from orchestration.exports.documents.render import document_identity, render_html, render_pdf

    folder = approved.exports_dir / PERIOD / "documents"
    with duckdb.connect(str(approved.duckdb_path), read_only=True) as con:
        load_close_reference(con)
        documents = document_contents(con, PERIOD)
    assert documents
    for document in documents[:2]:
        html = render_html(document)
        identity = document_identity(document)
        first, second = render_pdf(html, identity), render_pdf(render_html(document), identity)
        assert first == second
        assert first == (folder / f"{document['invoice_number']}.pdf").read_bytes()
        assert html == (folder / f"{document['invoice_number']}.html").read_text("utf-8")
        # The shipped font is embedded (as a subset), no system font is referenced.
        pdf = tmp_path / "again.pdf"
        pdf.write_bytes(first)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        info = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True)
        # The dates are the issue date, never the time of rendering.
        assert re.search(rf"^CreationDate:\s+{document['issue_date']}T00:00:00", info.stdout, re.MULTILINE)
        assert re.search(rf"^ModDate:\s+{document['issue_date']}T00:00:00", info.stdout, re.MULTILINE)
        assert "DejaVu" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_without_harfbuzzs_subsetter_no_pdf_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint without libharfbuzz-subset falls back to fontTools, whose font subsets differ
    between two prints of one document: printing refuses, naming the library."""
    import weasyprint.text.ffi

    from orchestration.exports.documents.render import render_pdf

    monkeypatch.setattr(weasyprint.text.ffi, "harfbuzz_subset", None)
    with pytest.raises(RuntimeError, match=r"libharfbuzz-subset.*make pdf-libs"):
        render_pdf("<p>1</p>", "identity")


def test_report_renders_to_the_same_bytes_from_its_marts(approved: Deployment) -> None:
    from orchestration.exports.report.render import render_report
    from orchestration.exports.writer import _close_summary

    exported = (approved.exports_dir / PERIOD / "report.html").read_text("utf-8")
    with duckdb.connect(str(approved.duckdb_path), read_only=True) as con:
        close = _close_summary(con, PERIOD)
        first, second = render_report(con, PERIOD, close), render_report(con, PERIOD, close)
        kpis = con.execute(
            "select invoice_count from marts.rpt_finance__period_kpis where billing_period = ?",
            [PERIOD],
        ).fetchone()
        approval = con.execute(
            "select share_auto_approved from marts.rpt_finance__document_kpis where billing_period = ?",
            [PERIOD],
        ).fetchone()
    assert first == second == exported
    assert kpis and f'<div class="value">{kpis[0]}</div><div class="label">invoices</div>' in exported
    # The demo's first invoices are all held by the approval policy: none goes out without a person.
    assert approval == (Decimal(0),)
    assert '<div class="value">0.000000</div><div class="label">approved without a person</div>' in exported
    assert "Not built in this warehouse" not in exported


def test_html_documents_and_report_open_in_chromium_without_errors(
    approved: Deployment, tmp_path: Path
) -> None:
    folder = approved.exports_dir / PERIOD
    broken = tmp_path / "broken.html"
    broken.write_text('<html><body><img src="missing.png"><script>console.error("x")</script></body></html>')
    control = open_in_chromium(broken)
    assert any("ERR_FILE_NOT_FOUND" in p for p in control.problems)
    assert any("console error" in p for p in control.problems)
    for path in [*sorted((folder / "documents").glob("*.html")), folder / "report.html"]:
        page = open_in_chromium(path)
        assert page.loaded and page.problems == [], (path.name, page.problems)
        assert path.stem in page.body_text or path.name == "report.html"
    report = open_in_chromium(folder / "report.html")
    assert f"Finance report {PERIOD}" in report.body_text
    html = (folder / "report.html").read_text("utf-8")
    assert html.count("<svg") >= 4 and not re.search(r"(src|href)=\"(https?:)?//", html)


def test_the_held_nok_invoice_once_approved_shows_its_norwegian_vat(approved: Deployment) -> None:
    held = [d for d in _ledger_documents(approved) if not d["is_approved"]]
    nok = [d for d in held if d["currency_code"] == "NOK"]
    assert nok, "the demo holds its NOK invoice for high value"
    number = str(nok[0]["invoice_number"])
    done = approved.meterline("approve", "--invoice", number, "--by", "CFO")
    assert done.returncode == 0, done.stdout + done.stderr
    document = next(d for d in _ledger_documents(approved) if d["invoice_number"] == number)
    assert document["is_approved"] and document["tax_amount_minor"] != 0
    folder = approved.exports_dir / PERIOD / "documents"
    text = _flat(_check_document(folder, document, _texts()))
    assert "25%" in text and "NO987654321MVA" in text


def test_each_conversion_is_stated_once_with_its_rate_and_rate_date(approved: Deployment) -> None:
    with duckdb.connect(str(approved.duckdb_path), read_only=True) as con:
        converted = con.execute(
            """
            select distinct l.invoice_number, l.price_currency_code, i.currency_code, l.fx_rate,
                strftime(l.fx_rate_date, '%Y-%m-%d')
            from ledger.invoice_lines as l inner join ledger.invoices as i using (invoice_number)
            where i.billing_period = ? and i.language_code = 'en' and l.fx_rate is not null
                and l.price_currency_code <> i.currency_code
            order by all
            """,
            [PERIOD],
        ).fetchall()
    assert converted, "the demo month invoices a customer in SEK from EUR prices"
    folder = approved.exports_dir / PERIOD / "documents"
    for number, price_currency, currency, rate, rate_date in converted:
        sentence = (
            f"Prices in {price_currency} are converted to {currency} at {Decimal(rate).normalize():f} "
            f"{currency} per {price_currency}, the rate of {rate_date}."
        )
        page = open_in_chromium(folder / f"{number}.html")
        assert page.loaded and page.problems == [], page.problems
        # Once per document, in the PDF as in the browser.
        assert _flat(_pdf_text(folder / f"{number}.pdf")).count(sentence) == 1, (number, sentence)
        assert _flat(page.body_text).count(sentence) == 1, (number, sentence)


def test_usage_is_shown_by_site_or_cluster_and_machine_namespace_or_account(approved: Deployment) -> None:
    texts = _texts()
    with duckdb.connect(str(approved.duckdb_path), read_only=True) as con:
        evidence = con.execute(
            """
            select i.invoice_number, i.language_code, l.invoice_line_id, e.source_kind, e.source_id,
                e.subject_type, e.subject_id, sum(e.usage_rows), sum(e.quantity_base)
            from ledger.evidence as e
            inner join ledger.invoice_lines as l on l.invoice_line_id = e.invoice_line_id
            inner join ledger.invoices as i on i.invoice_number = l.invoice_number
            where i.billing_period = ?
            group by all order by all
            """,
            [PERIOD],
        ).fetchall()
        line_quantities = dict(
            con.execute(
                "select invoice_line_id, quantity_base from ledger.invoice_lines where invoice_line_id in "
                "(select invoice_line_id from ledger.evidence)"
            ).fetchall()
        )
    folder = approved.exports_dir / PERIOD / "documents"
    # Documents exist for approved invoices only (the held one may have been approved since).
    evidence = [row for row in evidence if (folder / f"{row[0]}.html").exists()]
    assert {row[5] for row in evidence} == {"machine", "k8s_namespace", "slurm_account"}
    assert all(row[4] and row[6] for row in evidence), "every frozen line knows where its usage was measured"
    by_line: dict[str, Decimal] = {}
    for number, language, line_id, kind, place, subject_type, subject, rows, quantity in evidence:
        place_key = "label.site" if kind.startswith("energy") else "label.cluster"
        place_label = texts.get((place_key, language), texts[(place_key, "en")])
        subject_key = f"subject.{subject_type}"
        subject_label = texts.get((subject_key, language), texts[(subject_key, "en")])
        page = _flat((folder / f"{number}.html").read_text("utf-8"))
        # One row per place and subject: where, on what, how many records.
        row = (
            f'<tr><td>{place_label} {place}</td><td>{subject_label} {subject}</td><td class="num">{rows}</td>'
        )
        assert row in page, (number, row)
        by_line[line_id] = by_line.get(line_id, Decimal(0)) + quantity
    # The places and subjects of a line add up to the line's quantity.
    assert by_line and all(total == line_quantities[line_id] for line_id, total in by_line.items())


def test_every_line_is_named_in_words_with_what_kind_of_line_it_is(approved: Deployment) -> None:
    from markupsafe import escape

    texts = _texts()
    folder = approved.exports_dir / PERIOD / "documents"
    with duckdb.connect(str(approved.duckdb_path), read_only=True) as con:
        lines = con.execute(
            "select i.invoice_number, i.language_code, l.line_number, l.sku_id, l.line_type "
            "from ledger.invoice_lines as l inner join ledger.invoices as i using (invoice_number) "
            "where i.billing_period = ? order by all",
            [PERIOD],
        ).fetchall()
    shown = [line for line in lines if (folder / f"{line[0]}.html").exists()]
    assert {line[4] for line in shown} >= {"usage", "discount", "included", "fee", "true_up"}
    for number, language, line_number, sku, line_type in shown:
        page = (folder / f"{number}.html").read_text("utf-8")
        name = str(escape(texts[(f"sku.{sku}", language)]))
        kind = texts.get((f"line_type.{line_type}", language))
        described = f"{name} \u2013 {escape(kind)}" if kind else name  # an en dash, as printed
        assert f"<h3>{line_number}. {described}" in page, (number, line_number, described)
        assert f"<td>{sku}<" not in page and f"{line_number}. {sku} " not in page, (number, sku)
