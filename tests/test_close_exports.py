"""Finance exports from a ledger built directly in DuckDB: layouts, splitting, safety, balance."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.close.ledger import ClosedPeriodError, ensure_open
from orchestration.exports.layouts import (
    QBO_COLUMNS,
    QBO_CREDIT_NOTE_COLUMNS,
    XERO_COLUMNS,
    XERO_CREDIT_NOTE_COLUMNS,
)
from orchestration.exports.views import ExportRefusedError
from orchestration.exports.writer import PeriodNotClosedError, write_exports
from orchestration.wiring.warehouse_setup import ensure_ledger
from tests.e2e_support import folder_digest
from tests.ledger_support import copy_warehouse

PERIOD = "2026-10"


def _header_row(row: str) -> list[str]:
    """A template's header row, written as published (comma-separated)."""
    return row.split(",")


# Xero's sales invoice import template (docs/finance.md lists the sources), in its order.
XERO_TEMPLATE = _header_row(
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,"
    "PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TrackingName1,TrackingOption1,"
    "TrackingName2,TrackingOption2,Currency,BrandingTheme"
)
# QuickBooks Online's invoice import sample file.
QBO_TEMPLATE = _header_row(
    "InvoiceNo,Customer,InvoiceDate,DueDate,Terms,Location,Memo,Item(Product/Service),ItemDescription,"
    "ItemQuantity,ItemRate,ItemAmount,ItemTaxCode,ItemTaxAmount,Currency,Service Date"
)
# Xero's credit-note import template: the invoice template with the credit note's number and
# date, and no due date (docs/finance.md).
XERO_CREDIT_NOTE_TEMPLATE = [
    {"*InvoiceNumber": "*CreditNoteNumber", "*InvoiceDate": "*CreditNoteDate"}.get(name, name)
    for name in XERO_TEMPLATE
    if name != "*DueDate"
]
QBO_CREDIT_NOTE_TEMPLATE = [
    {"InvoiceNo": "CreditNoteNo", "InvoiceDate": "CreditNoteDate"}.get(name, name)
    for name in QBO_TEMPLATE
    if name not in ("DueDate", "Terms")
]
INJECTIONS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _ledger(con: duckdb.DuckDBPyConnection, fr_invoices: int) -> None:
    """A closed period: `fr_invoices` FR1 invoices (two lines each), one US1 invoice, one credit note."""
    ensure_ledger(con)
    con.execute(
        f"""
        create temp table seed_docs as
        select
            'FR1-2026-' || lpad(cast(n as varchar), 6, '0') as invoice_number, 'invoice' as document_type,
            'FR1' as entity, n as seq, 'C' || lpad(cast(n as varchar), 4, '0') as customer_id,
            case when n <= {len(INJECTIONS)} then list_extract(cast(? as varchar[]), n)
                else 'Client ' || n end as customer_name,
            'FR' as country, case when n % 2 = 0 then 'fr' else 'en' end as language, 'EUR' as currency
        from range(1, {fr_invoices} + 1) as t(n)
        union all select 'US1-2026-000001', 'invoice', 'US1', 1, 'CUS', 'Redwood Signal Inc.', 'US', 'en',
            'USD'
        union all select 'US1-2026-000002', 'credit_note', 'US1', 2, 'CUS', 'Redwood Signal Inc.', 'US', 'en',
            'USD'
        """,
        [INJECTIONS],
    )
    con.execute(
        """
        insert into ledger.invoice_lines
        select
            d.invoice_number || ':000' || k, d.invoice_number, k, d.customer_id || ':line' || k, 'usage',
            case when k = 1 then 'gpu_hour_a100' else 'energy_kwh' end, 'standard_eur', 1,
            'gpu_hour', 'gpu_second', 3600, 36000 * s, 10 * s, 2.45, s * (1000 + k), t.rate,
            cast(round_even(s * (1000 + k) * t.rate, 0) as bigint), t.rule, t.treatment, t.mention, false, 3,
            null, null, null, null, null
        from seed_docs as d,
            (select 1 as k union all select 2),
            (select case when document_type = 'credit_note' then -1 else 1 end as s) as sg,
        lateral (select
            case when d.country = 'FR' then 0.2 else 0.0 end::decimal(9, 6) as rate,
            case when d.country = 'FR' then 'fr_standard_2014' else 'us_out_of_scope_2000' end as rule,
            case when d.country = 'FR' then 'standard' else 'out_of_scope' end as treatment,
            case when d.country = 'FR' then null else 'out_of_scope_export' end as mention) as t
        """
    )
    con.execute(
        """
        insert into ledger.invoices
        select d.invoice_number, d.document_type, '2026-10', d.entity, 2026, d.seq,
            d.customer_id || '-2026-10', d.customer_id, d.customer_name, d.country, d.language, d.currency, 2,
            sum(l.net_amount_minor), sum(l.tax_amount_minor), sum(l.net_amount_minor + l.tax_amount_minor),
            date '2026-11-01', date '2026-12-01',
            case when d.document_type = 'credit_note' then 'US1-2026-000001' end, null, null, null, '',
            'tester', now()
        from seed_docs as d inner join ledger.invoice_lines as l on l.invoice_number = d.invoice_number
        group by all
        """
    )
    con.execute(
        """
        insert into ledger.closes values ('CLS-000001', '2026-10', now(), 'tester', 'run-1', 'v1', 'abc',
            'def', '[]', '{"gx_demo": {"passed": true, "detail": ""}}', 3, 0)
        """
    )


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, export_models_template: Path
) -> tuple[duckdb.DuckDBPyConnection, Path, dict[str, object]]:
    # Written once for the module (503 documents; the customer documents, HTML and PDF, are
    # checked in test_customer_documents.py and left out here); the tests only read it, and the
    # re-export writes the same bytes into the same folder.
    tmp_path = tmp_path_factory.mktemp("exported")
    con = duckdb.connect(str(copy_warehouse(export_models_template, tmp_path)))
    _ledger(con, fr_invoices=501)
    manifest = write_exports(con, PERIOD, tmp_path / "exports", documents=False)
    return con, tmp_path / "exports" / PERIOD, manifest


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_layouts_declare_the_documented_templates() -> None:
    assert [name for name, _ in XERO_COLUMNS] == XERO_TEMPLATE
    assert [name for name, _ in QBO_COLUMNS] == QBO_TEMPLATE
    assert [name for name, _ in XERO_CREDIT_NOTE_COLUMNS] == XERO_CREDIT_NOTE_TEMPLATE
    assert [name for name, _ in QBO_CREDIT_NOTE_COLUMNS] == QBO_CREDIT_NOTE_TEMPLATE


def test_xero_files_split_at_500_invoices_with_one_row_per_line(exported: tuple) -> None:  # type: ignore[type-arg]
    _, folder, _ = exported
    files = sorted((folder / "xero" / "xero_fr").glob("*.csv"))
    assert [f.name for f in files] == ["sales_invoices_001.csv", "sales_invoices_002.csv"]
    seen: dict[str, int] = defaultdict(int)
    for path in files:
        header, rows = _rows(path)
        assert header == XERO_TEMPLATE
        invoices = {row["*InvoiceNumber"] for row in rows}
        assert len(invoices) <= 500
        for row in rows:
            seen[row["*InvoiceNumber"]] += 1
            assert all(row[column] for column in header if column.startswith("*")), row
            assert row["*InvoiceDate"] == "01/11/2026" and row["*DueDate"] == "01/12/2026"
    assert len(seen) == 501 and set(seen.values()) == {2}  # the number repeats on each of its lines


def test_quickbooks_file_has_its_layout_and_exact_amounts(exported: tuple) -> None:  # type: ignore[type-arg]
    con, folder, _ = exported
    header, rows = _rows(folder / "quickbooks" / "qbo_us" / "invoices.csv")
    assert header == QBO_TEMPLATE
    assert {row["InvoiceNo"] for row in rows} == {"US1-2026-000001"}
    assert rows[0]["InvoiceDate"] == "11/01/2026" and rows[0]["Service Date"] == "10/31/2026"
    assert "Supply outside the scope of VAT" in rows[0]["Memo"]
    # The credit note goes into the credit-note import, its amounts positive (QuickBooks credits).
    credit_header, credit = _rows(folder / "quickbooks" / "qbo_us" / "credit_notes.csv")
    assert credit_header == QBO_CREDIT_NOTE_TEMPLATE
    assert {row["CreditNoteNo"] for row in credit} == {"US1-2026-000002"}
    assert [row["ItemAmount"] for row in credit] == ["10.01", "10.02"]
    assert all(row["Memo"].endswith("US1-2026-000001") for row in credit)  # names the invoice it credits
    totals = dict(con.execute("select invoice_number, net_amount_minor from ledger.invoices").fetchall())
    net = sum(Decimal(r["ItemAmount"]) for r in rows)
    assert net * 100 == totals["US1-2026-000001"]
    assert -sum(Decimal(r["ItemAmount"]) for r in credit) * 100 == totals["US1-2026-000002"]


def test_spreadsheet_injection_is_neutralised_in_every_text_cell(exported: tuple) -> None:  # type: ignore[type-arg]
    _, folder, _ = exported
    _, rows = _rows(folder / "xero" / "xero_fr" / "sales_invoices_001.csv")
    names = {row["*ContactName"] for row in rows}
    for value in INJECTIONS:
        assert value not in names
        assert "'" + value in names
    for path in folder.rglob("*.csv"):
        for row in _rows(path)[1]:
            for column, cell in row.items():
                if cell and cell[0] in "=+@\t\r":
                    pytest.fail(f"{path.name} {column} starts a formula: {cell!r}")
                if cell.startswith("-"):
                    Decimal(cell)  # only amounts may start with a minus: they parse as numbers


def test_every_journal_balances_and_receivable_is_the_gross(exported: tuple) -> None:  # type: ignore[type-arg]
    con, folder, _ = exported
    _, rows = _rows(folder / "journal" / "gl_journal.csv")
    debit: dict[str, Decimal] = defaultdict(Decimal)
    credit: dict[str, Decimal] = defaultdict(Decimal)
    receivable: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        debit[row["journal_id"]] += Decimal(row["debit"])
        credit[row["journal_id"]] += Decimal(row["credit"])
        if row["account_role"] == "receivable":
            receivable[row["journal_id"]] += Decimal(row["debit"]) - Decimal(row["credit"])
    gross = dict(con.execute("select invoice_number, gross_amount_minor from ledger.invoices").fetchall())
    assert set(debit) == set(gross)
    assert all(debit[j] == credit[j] for j in debit), [j for j in debit if debit[j] != credit[j]]
    assert all(receivable[j] * 100 == gross[j] for j in gross)


def test_invoice_text_follows_the_customer_language(exported: tuple) -> None:  # type: ignore[type-arg]
    _, folder, _ = exported
    invoices = {i["invoice_number"]: i for i in json.loads((folder / "invoices.json").read_text())}
    lines = {
        line["invoice_line_id"]: line for line in json.loads((folder / "invoice_lines.json").read_text())
    }
    assert invoices["FR1-2026-000002"]["language_code"] == "fr"
    assert lines["FR1-2026-000002:0001"]["description"].startswith(
        "Heures GPU (A100) pour 2026-10 : 10 gpu_hour"
    )
    assert lines["FR1-2026-000001:0001"]["description"].startswith(
        "GPU hours (A100) for 2026-10: 10 gpu_hour"
    )
    assert lines["US1-2026-000002:0001"]["description"].startswith("Cancels invoice US1-2026-000001")
    assert lines["US1-2026-000001:0001"]["description"].endswith(
        " - Supply outside the scope of VAT: place of supply outside the EU/EEA"
    )
    assert invoices["US1-2026-000002"]["document_title"] == "Credit note"


def test_every_legal_mention_has_english_and_french_text() -> None:
    con = duckdb.connect()
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    missing = con.execute(
        f"""
        with mentions as (
            select distinct legal_mention_code as code from read_csv('{seeds}/rating/tax_rates.csv')
            where legal_mention_code is not null
            union select 'reverse_charge_b2b'
        )
        select m.code, l.language from mentions as m, (values ('en'), ('fr')) as l(language)
        where not exists (
            select 1 from read_csv('{seeds}/close/invoice_texts.csv') as t
            where t.text_key = 'legal.' || m.code and t.language_code = l.language
        )
        """
    ).fetchall()
    assert not missing
    texts = dict(
        con.execute(
            f"select language_code, text from read_csv('{seeds}/close/invoice_texts.csv') "
            "where text_key = 'legal.reverse_charge_b2b'"
        ).fetchall()
    )
    assert texts["fr"].startswith("Autoliquidation")
    assert "Art. 196 Directive 2006/112/EC" in texts["en"]


def test_manifest_hashes_every_file_and_reexport_is_byte_identical(
    exported: tuple,  # type: ignore[type-arg]
) -> None:
    con, folder, manifest = exported
    digests = folder_digest(folder)
    assert {f["file"] for f in manifest["files"]} == set(digests) - {"manifest.json"}  # type: ignore[union-attr]
    assert all(digests[f["file"]] == f["sha256"] for f in manifest["files"])  # type: ignore[union-attr,index]
    assert len(list((folder / "evidence").glob("*.json"))) == 503
    write_exports(con, PERIOD, folder.parent, documents=False)
    assert folder_digest(folder) == digests


def test_open_periods_are_neither_exported_nor_rewritable_once_closed(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_ledger(con)
    with pytest.raises(PeriodNotClosedError, match="not closed"):
        write_exports(con, PERIOD, tmp_path, documents=False)
    ensure_open(con, PERIOD)  # an open period accepts documents
    _ledger(con, fr_invoices=2)
    with pytest.raises(ClosedPeriodError, match="closed"):
        ensure_open(con, PERIOD)


def _credit_fr_invoice(con: duckdb.DuckDBPyConnection) -> None:
    """A credit note of FR1-2026-000001 in the same closed period (its lines negated)."""
    con.execute(
        """
        insert into ledger.invoice_lines
        select * replace (
            replace(invoice_line_id, '000001', '900001') as invoice_line_id,
            'FR1-2026-900001' as invoice_number, -quantity_base as quantity_base, -quantity as quantity,
            -net_amount_minor as net_amount_minor, -tax_amount_minor as tax_amount_minor)
        from ledger.invoice_lines where invoice_number = 'FR1-2026-000001'
        """
    )
    con.execute(
        """
        insert into ledger.invoices
        select * replace (
            'FR1-2026-900001' as invoice_number, 'credit_note' as document_type, 900001 as sequence_number,
            null as draft_invoice_id, -net_amount_minor as net_amount_minor,
            -tax_amount_minor as tax_amount_minor, -gross_amount_minor as gross_amount_minor,
            invoice_number as original_invoice_number, 'void_reissue' as reason_code)
        from ledger.invoices where invoice_number = 'FR1-2026-000001'
        """
    )


def test_xero_credit_notes_go_to_the_credit_note_import_with_positive_amounts(
    tmp_path: Path, export_models_template: Path
) -> None:
    with duckdb.connect(str(copy_warehouse(export_models_template, tmp_path))) as con:
        _ledger(con, fr_invoices=3)
        _credit_fr_invoice(con)
        write_exports(con, PERIOD, tmp_path / "exports", documents=False)
        net, tax = con.execute(
            "select net_amount_minor, tax_amount_minor from ledger.invoices "
            "where document_type = 'credit_note' and issuing_entity_id = 'FR1'"
        ).fetchone() or (0, 0)
    folder = tmp_path / "exports" / PERIOD / "xero" / "xero_fr"
    assert sorted(f.name for f in folder.glob("*.csv")) == ["credit_notes_001.csv", "sales_invoices_001.csv"]
    _, invoices = _rows(folder / "sales_invoices_001.csv")
    assert "FR1-2026-900001" not in {row["*InvoiceNumber"] for row in invoices}
    header, credit = _rows(folder / "credit_notes_001.csv")
    assert header == XERO_CREDIT_NOTE_TEMPLATE
    assert {row["*CreditNoteNumber"] for row in credit} == {"FR1-2026-900001"}
    assert all(row["Reference"] == "FR1-2026-000001" for row in credit)  # the invoice it credits
    assert all(row[column] for row in credit for column in header if column.startswith("*"))
    amounts = [Decimal(row["*UnitAmount"]) for row in credit]
    assert all(amount > 0 for amount in amounts) and sum(amounts) * 100 == -net and tax < 0


def test_a_tax_rule_the_organisation_has_no_tax_type_for_blocks_the_export(
    tmp_path: Path, export_models_template: Path
) -> None:
    with duckdb.connect(str(copy_warehouse(export_models_template, tmp_path))) as con:
        _ledger(con, fr_invoices=2)
        con.execute(
            "update ledger.invoice_lines set tax_rule_id = 'xx_unmapped_2026' "
            "where invoice_number = 'FR1-2026-000002' and line_number = 2"
        )
        with pytest.raises(ExportRefusedError) as refused:
            write_exports(con, PERIOD, tmp_path / "exports", documents=False)
    message = str(refused.value)
    assert "\n" not in message
    assert "xero_fr/xx_unmapped_2026" in message and "seeds/close/accounting_tax_types.csv" in message
    assert not (tmp_path / "exports" / PERIOD).exists()  # nothing half-written is published


def test_a_converted_line_states_its_price_in_the_invoice_currency_with_the_original_and_the_rate(
    tmp_path: Path, export_models_template: Path
) -> None:
    with duckdb.connect(str(copy_warehouse(export_models_template, tmp_path))) as con:
        _ledger(con, fr_invoices=2)
        # FR1-2026-000001 (English) is invoiced in SEK; its first line was priced 2.45 EUR and converted.
        con.execute(
            "update ledger.invoices set currency_code = 'SEK' where invoice_number = 'FR1-2026-000001'"
        )
        con.execute(
            "update ledger.invoice_lines set price_currency_code = 'EUR', fx_rate = 11.364, "
            "fx_rate_date = date '2026-10-31' where invoice_number = 'FR1-2026-000001' and line_number = 1"
        )
        con.execute(
            "update ledger.invoice_lines set price_currency_code = 'EUR' "
            "where invoice_number = 'FR1-2026-000002' and line_number = 1"
        )
        write_exports(con, PERIOD, tmp_path / "exports", documents=False)
    folder = tmp_path / "exports" / PERIOD
    _, rows = _rows(folder / "xero" / "xero_fr" / "sales_invoices_001.csv")
    converted = next(r for r in rows if r["*InvoiceNumber"] == "FR1-2026-000001")
    # 2.45 EUR x 11.364 SEK/EUR = 27.8418 SEK, stated exactly, then the original price and the rate.
    assert "10 gpu_hour at 27.8418 SEK" in converted["*Description"]
    assert "(converted from 2.45 EUR at 11.364 SEK per EUR, rate of 2026-10-31)" in converted["*Description"]
    assert converted["Currency"] == "SEK"
    same_currency = next(r for r in rows if r["*InvoiceNumber"] == "FR1-2026-000002")
    # Priced in the invoice currency (French): no conversion note.
    description = same_currency["*Description"]
    assert "2.45 EUR (grille" in description and "converti" not in description
    lines = (
        duckdb.connect()
        .execute(
            f"select invoice_unit_price, price_currency_code, fx_rate, fx_rate_date, currency_code "
            f"from '{folder / 'invoice_lines.parquet'}' where invoice_line_id = 'FR1-2026-000001:0001'"
        )
        .fetchone()
    )
    assert lines is not None
    assert (lines[0], lines[1], lines[2], str(lines[3]), lines[4]) == (
        Decimal("27.8418"),
        "EUR",
        Decimal("11.364"),
        "2026-10-31",
        "SEK",
    )


def _recomputed(quantity: str, unit_amount: str) -> set[Decimal]:
    """The line amount as an accounting system recomputes it, under either way of breaking a tie."""
    product = Decimal(quantity) * Decimal(unit_amount)
    return {product.quantize(Decimal("0.01"), rounding=mode) for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN)}


def test_lines_carry_real_quantity_and_unit_amount_where_the_tool_recomputes_the_amount_exactly(
    tmp_path: Path, export_models_template: Path
) -> None:
    with duckdb.connect(str(copy_warehouse(export_models_template, tmp_path))) as con:
        _ledger(con, fr_invoices=3)
        # (invoice, line) -> quantity, unit price, net in cents as rated in the ledger.
        lines = {
            ("FR1-2026-000001", 1): ("10", "2.45", 2450),  # exact product
            ("FR1-2026-000002", 1): ("3", "2.4537", 736),  # 7.3611 rounds to 7.36 whichever way
            ("FR1-2026-000002", 2): ("10", "2.4535", 2454),  # 24.535: a tie, rounding could differ
            ("FR1-2026-000003", 1): ("10", "2.453712", 2454),  # price beyond 4 decimals
            ("US1-2026-000001", 1): ("4", "2.5", 1000),  # QuickBooks, exact
        }
        for (number, line), (quantity, price, net) in lines.items():
            con.execute(
                "update ledger.invoice_lines set quantity = ?, unit_price = ?, net_amount_minor = ? "
                "where invoice_number = ? and line_number = ?",
                [quantity, price, net, number, line],
            )
        con.execute(
            "update ledger.invoices as i set net_amount_minor = l.net, "
            "gross_amount_minor = l.net + i.tax_amount_minor from (select invoice_number, "
            "sum(net_amount_minor) as net from ledger.invoice_lines group by 1) as l "
            "where l.invoice_number = i.invoice_number"
        )
        _credit_fr_invoice(con)
        write_exports(con, PERIOD, tmp_path / "exports", documents=False)
        ledger_lines = {
            (n, k): Decimal(net) / 100
            for n, k, net in con.execute(
                "select invoice_number, line_number, net_amount_minor from ledger.invoice_lines"
            ).fetchall()
        }
        ledger_totals = dict(
            con.execute("select invoice_number, net_amount_minor from ledger.invoices").fetchall()
        )
    folder = tmp_path / "exports" / PERIOD
    exported: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, number, quantity, unit in (
        (
            folder / "xero" / "xero_fr" / "sales_invoices_001.csv",
            "*InvoiceNumber",
            "*Quantity",
            "*UnitAmount",
        ),
        (
            folder / "xero" / "xero_fr" / "credit_notes_001.csv",
            "*CreditNoteNumber",
            "*Quantity",
            "*UnitAmount",
        ),
        (folder / "quickbooks" / "qbo_us" / "invoices.csv", "InvoiceNo", "ItemQuantity", "ItemRate"),
        (folder / "quickbooks" / "qbo_us" / "credit_notes.csv", "CreditNoteNo", "ItemQuantity", "ItemRate"),
    ):
        for row in _rows(path)[1]:
            exported[row[number]].append((row[quantity], row[unit]))
    assert set(exported) == set(ledger_totals)
    for number, rows in exported.items():
        sign = -1 if number in ("FR1-2026-900001", "US1-2026-000002") else 1  # credit notes go out positive
        # Each line, recomputed as the tool would, is the ledger's line (rows are in line order) ...
        for line_number, (quantity, unit) in enumerate(rows, start=1):
            assert _recomputed(quantity, unit) == {sign * ledger_lines[(number, line_number)]}, (
                number,
                line_number,
            )
        # ... and the document's total is the ledger's to the cent.
        assert sum(min(_recomputed(q, u)) for q, u in rows) * 100 == sign * ledger_totals[number]
    assert exported["FR1-2026-000001"][0] == ("10", "2.45")
    assert exported["FR1-2026-900001"][0] == ("10", "2.45")  # the credit note's quantity is positive
    assert exported["FR1-2026-000002"] == [("3", "2.4537"), ("1", "24.54")]
    assert exported["FR1-2026-000003"][0] == ("1", "24.54")
    assert exported["US1-2026-000001"][0] == ("4", "2.5")
    # Lines rated on quantities the tool cannot multiply back go out as quantity 1 at the net.
    assert exported["FR1-2026-000003"][1] == ("1", "10.02")
