"""Structured creditor references issued with every invoice and debit note.

The check-digit rules (ISO 11649 RF, Norwegian KID MOD10, Finnish 7-3-1) live once, as
DuckDB macros in the ledger schema (sql/payment_references.sql): the close issues references
with them and the matching models check a reference read back from a bank entry with them.
Which scheme a document gets is declared in seeds/receivables/payment_reference_schemes.csv.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.wiring.settings import PROJECT_DIR
from orchestration.wiring.sql_files import sql_file

MACROS_SQL = sql_file(__file__, "payment_references")
ISSUE_SQL = sql_file(__file__, "issue_payment_references")
RECEIVABLES_SEEDS_DIR = PROJECT_DIR / "seeds" / "receivables"
SCHEMES = ("rf", "kid", "fi")


class PaymentReferenceError(RuntimeError):
    """An issued reference that fails its own scheme's check digits, or a document left without one."""


def create_reference_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS_SQL)


def _load_rules(con: duckdb.DuckDBPyConnection, seeds_dir: Path) -> None:
    # Read from the CSV files (as the close reads its policy), so issuing never waits on dbt seeding.
    for name, table in (
        ("payment_reference_schemes", "receivables_reference_schemes"),
        ("bank_accounts", "receivables_bank_accounts"),
    ):
        path = seeds_dir / f"{name}.csv"
        con.execute(
            f"create or replace temp table {table} as select * from read_csv('{path}', header = true, "
            "all_varchar = true, delim = ',', quote = '\"')"
        )


def issue_missing(
    con: duckdb.DuckDBPyConnection, issued_at: datetime, seeds_dir: Path = RECEIVABLES_SEEDS_DIR
) -> int:
    """Issue a reference to every invoice and debit note without one; returns how many.

    Runs inside the caller's transaction (close or correction), so a document and its
    reference are committed or rolled back together.
    """
    _load_rules(con, seeds_dir)
    before = _count(con)
    con.execute(ISSUE_SQL, {"issued_at": issued_at})
    invalid = con.execute(
        """
        select count(*) filter (where not ledger.payment_reference_is_valid(scheme, payment_reference)),
            (select count(*) from ledger.invoices where document_type in ('invoice', 'debit_note')
                and invoice_number not in (select invoice_number from ledger.payment_references))
        from ledger.payment_references
        """
    ).fetchone()
    if invalid and (invalid[0] or invalid[1]):
        raise PaymentReferenceError(
            f"{invalid[0]} issued payment reference(s) fail their check digits and "
            f"{invalid[1]} document(s) have none (check seeds/receivables/payment_reference_schemes.csv)"
        )
    return _count(con) - before


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select count(*) from ledger.payment_references").fetchone()
    return int(row[0]) if row else 0


def reference(con: duckdb.DuckDBPyConnection, scheme: str, body: str) -> str:
    """The reference of `body` under `scheme` (for tests and support; the close issues in bulk)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown payment reference scheme {scheme!r}")
    row = con.execute(f"select ledger.{scheme}_reference(?)", [body]).fetchone()
    return str(row[0]) if row else ""


def is_valid(con: duckdb.DuckDBPyConnection, scheme: str, value: str) -> bool:
    row = con.execute("select ledger.payment_reference_is_valid(?, ?)", [scheme, value]).fetchone()
    return bool(row and row[0])
