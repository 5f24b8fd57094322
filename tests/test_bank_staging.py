"""stg_bank__entries: typed entries, one payment per movement across overlapping files."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.receivables.bank_load import load_bank_files
from tests.adapter_support import dbt_build, query

BANK = Path(__file__).parent / "fixtures" / "real" / "bank"


def _notification_of(statement: Path) -> str:
    # The same booked entry sent first as an intraday camt.054 notification (which, unlike a
    # statement, carries no balances).
    return (
        re.sub(r"<Bal>.*?</Bal>", "", statement.read_text(), flags=re.DOTALL)
        .replace("camt.053.001.08", "camt.054.001.08")
        .replace("BkToCstmrStmt>", "BkToCstmrDbtCdtNtfctn>")
        .replace("<Stmt>", "<Ntfctn>")
        .replace("</Stmt>", "</Ntfctn>")
    )


def test_repeated_movements_are_duplicates_not_second_payments(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    fr = landing / "bank" / "fr1-eur"
    stray = landing / "bank" / "xx-unknown"
    fr.mkdir(parents=True)
    stray.mkdir(parents=True)
    shutil.copy(BANK / "camt" / "camt053.v8.xml", fr / "2015-01-02.camt053.xml")
    (fr / "2014-12-31.intraday.camt054.xml").write_text(_notification_of(BANK / "camt" / "camt053.v8.xml"))
    shutil.copy(BANK / "mt940" / "jejik_rabobank-iban.sta", fr / "jan.sta")
    shutil.copy(BANK / "mt940" / "jejik_rabobank-iban.sta", fr / "jan-again.sta")
    shutil.copy(BANK / "camt" / "camt054.v2.xml", stray)
    warehouse = tmp_path / "meterline.duckdb"
    con = duckdb.connect(str(warehouse))
    report = load_bank_files(con, landing)
    con.close()
    assert report.rejected == {}
    assert sum(report.loaded.values()) == 11

    dbt_build(warehouse, tmp_path, "stg_bank__entries int_bank__statement_breaks")
    rows = query(
        warehouse,
        """
        select source_file, is_duplicate, duplicate_of_file, quarantine_reason, amount, booking_date
        from staging.stg_bank__entries order by source_file, source_row
        """,
    )
    # Nothing is lost: every raw entry is one staging row.
    assert len(rows) == 11
    duplicates = {(r[0], r[2]) for r in rows if r[1]}
    assert duplicates == {
        ("bank/fr1-eur/2014-12-31.intraday.camt054.xml", "bank/fr1-eur/2015-01-02.camt053.xml"),
        ("bank/fr1-eur/jan.sta", "bank/fr1-eur/jan-again.sta"),
    }
    assert sum(1 for r in rows if r[1]) == 5
    assert {r[3] for r in rows if r[0].startswith("bank/xx-unknown/")} == {"undeclared_bank_account"}
    assert {r[3] for r in rows if r[0].startswith("bank/fr1-eur/")} == {None}
    statement_entry = next(r for r in rows if r[0].endswith("camt053.xml"))
    assert statement_entry[4] == Decimal("8.85000")
    # The payments that remain: one camt entry, four MT940 entries, one notification abroad.
    assert sum(1 for r in rows if not r[1]) == 6

    # Statements are checked on their own arithmetic: the camt sample's balances (opening
    # 18.15 + 8.85 against a closing -27.00) do not add up, the Rabobank statements do,
    # and notifications carry no balances to check.
    breaks = query(
        warehouse,
        "select source_file, statement_index, difference, reason_code "
        "from intermediate.int_bank__statement_breaks order by all",
    )
    assert breaks == [
        ("bank/fr1-eur/2015-01-02.camt053.xml", 0, Decimal("-54.00000"), "statement_does_not_balance")
    ]
