"""Approval policy (seeds/close/approval_policy.csv): low-risk documents approve themselves.

A document is held while one of its reasons applies and no approval is recorded:
- high_value: |gross| at or above the threshold of its currency (row `*` for the others);
- first_invoice: the customer has no invoice issued before this one in the ledger;
- estimated_usage: a line carries `is_estimated` (estimated energy the contract allows);
- manual_adjustment: a debit or credit note raised by a correction of a closed period.
Held documents keep their number (the series stays gapless) but are not exported.
"""

from __future__ import annotations

import duckdb

from orchestration.close.ledger import LedgerError, audit, next_id, now
from orchestration.wiring.sql_files import sql_file


def approval_reasons_sql(docs: str) -> str:
    """The hold reasons of the documents in relation `docs` (sql/approval_reasons.sql)."""
    return sql_file(__file__, "approval_reasons").format(docs=docs)


# Each ledger document with its approval state (auto_approved, approved or held): the dbt view
# models/intermediate/exports/int_documents__approval_states.sql, read live from the ledger.
APPROVAL_STATES = "intermediate.int_documents__approval_states"


def resolve_document(con: duckdb.DuckDBPyConnection, reference: str) -> str:
    """An invoice number, or a draft id (`<customer>-<YYYY-MM>`) of a closed period."""
    row = con.execute(
        """
        select invoice_number from ledger.invoices
        where invoice_number = ? or (draft_invoice_id = ? and document_type = 'invoice')
        order by issued_at limit 1
        """,
        [reference, reference],
    ).fetchone()
    if not row:
        raise LedgerError(f"no issued document {reference}: close its period first (meterline close)")
    return str(row[0])


def held_documents(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[str, str, str]]:
    """(invoice_number, customer_id, reasons) of the period's documents still held."""
    return con.execute(
        f"""
        select s.invoice_number, i.customer_id, s.approval_reasons
        from {APPROVAL_STATES} as s
        inner join ledger.invoices as i on s.invoice_number = i.invoice_number
        where s.billing_period = ? and s.approval_status = 'held'
        order by s.invoice_number
        """,
        [period],
    ).fetchall()


def approve(con: duckdb.DuckDBPyConnection, reference: str, by: str, note: str = "") -> tuple[str, str]:
    """Record an approval; returns (invoice_number, billing_period). Approving twice is a no-op."""
    if not by.strip():
        raise LedgerError("an approval needs who approved it (--by)")
    number = resolve_document(con, reference)
    period, status = con.execute(
        f"select billing_period, approval_status from {APPROVAL_STATES} where invoice_number = ?",
        [number],
    ).fetchone() or ("", "")
    if status == "held":
        con.execute(
            "insert into ledger.approvals values (?, ?, ?, ?, ?)",
            [next_id(con, "approvals", "APR"), number, by, note, now()],
        )
        audit(con, by, "approve", period, number, {"note": note})
    return number, period


def approve_held(
    con: duckdb.DuckDBPyConnection, period: str, rule: str, by: str, note: str = ""
) -> list[str]:
    """Approve the period's held documents whose only hold reason is `rule` (bulk sign-off)."""
    numbers = [number for number, _, reasons in held_documents(con, period) if reasons == rule]
    for number in numbers:
        approve(con, number, by, note or f"bulk approval of {rule}")
    return numbers
