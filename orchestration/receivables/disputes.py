"""Disputes: a customer contests a document, and its dunning pauses until the dispute is resolved.

`meterline dispute` appends an opening or a resolution to ledger.disputes
(sql/record_dispute.sql) and a line to the audit log. fct_receivables reads the last row of a
document on or before its as-of date: `disputed` status, and no dunning stage while open.
Opening a dispute that is already open, or resolving one already resolved, records nothing.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.close.ledger import LedgerError, audit, now
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction

ACTIONS = ("opened", "resolved")


def record_dispute(
    con: duckdb.DuckDBPyConnection, invoice_number: str, action: str, effective: date, reason: str, by: str
) -> bool:
    """Open or resolve the dispute of an issued invoice or debit note; False when already so."""
    if action not in ACTIONS:
        raise LedgerError(f"unknown dispute action {action!r}")
    document = con.execute(
        "select document_type from ledger.invoices where invoice_number = ?", [invoice_number]
    ).fetchone()
    if document is None or document[0] not in ("invoice", "debit_note"):
        raise LedgerError(f"{invoice_number} is not an issued invoice or debit note")
    last = con.execute(
        """
        select action, effective_date from ledger.disputes where invoice_number = ?
        order by effective_date desc, dispute_event_id desc limit 1
        """,
        [invoice_number],
    ).fetchone()
    if last is None and action == "resolved":
        raise LedgerError(f"{invoice_number} has never been disputed")
    if last is not None and last[0] == action:
        return False
    if last is not None and effective < last[1]:
        raise LedgerError(f"{invoice_number}'s dispute was last {last[0]} on {last[1]}, after {effective}")
    with transaction(con):
        con.execute(
            sql_file(__file__, "record_dispute"),
            {
                "invoice_number": invoice_number,
                "action": action,
                "effective_date": effective,
                "reason": reason,
                "recorded_by": by,
                "recorded_at": now(),
            },
        )
        audit(
            con, by, f"dispute_{action}", None, invoice_number, {"on": effective.isoformat(), "why": reason}
        )
    return True
