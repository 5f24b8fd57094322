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

# `docs` is a relation with document_key, customer_id, document_type, currency_code,
# minor_units, gross_amount_minor, has_estimated, is_correction. Returns document_key and
# its comma-separated reasons ('' = auto-approved).
APPROVAL_REASONS_SQL = """
    with thresholds as (
        select
            d.document_key,
            coalesce(
                (select p.threshold_amount from close_approval_policy as p
                 where p.rule_id = 'high_value' and p.is_enabled and p.currency_code = d.currency_code),
                (select p.threshold_amount from close_approval_policy as p
                 where p.rule_id = 'high_value' and p.is_enabled and p.currency_code = '*')
            ) * cast(10 ** d.minor_units as bigint) as threshold_minor
        from {docs} as d
    ),
    enabled as (
        select rule_id from close_approval_policy where is_enabled group by rule_id
    ),
    reasons as (
        select d.document_key, 'high_value' as reason
        from {docs} as d inner join thresholds as t on d.document_key = t.document_key
        where 'high_value' in (select rule_id from enabled) and abs(d.gross_amount_minor) >= t.threshold_minor
        union all
        select d.document_key, 'first_invoice'
        from {docs} as d
        where 'first_invoice' in (select rule_id from enabled)
            and d.document_type = 'invoice'
            and not exists (
                select 1 from ledger.invoices as i
                where i.customer_id = d.customer_id and i.document_type = 'invoice'
            )
        union all
        select document_key, 'estimated_usage' from {docs}
        where 'estimated_usage' in (select rule_id from enabled) and has_estimated
        union all
        select document_key, 'manual_adjustment' from {docs}
        where 'manual_adjustment' in (select rule_id from enabled) and is_correction
    )
    select d.document_key, coalesce(string_agg(r.reason, ',' order by r.reason), '') as approval_reasons
    from {docs} as d left join reasons as r on d.document_key = r.document_key
    group by d.document_key
"""

# Each ledger document with its approval state: auto_approved, approved or held.
APPROVAL_STATE_SQL = """
    select
        i.invoice_number,
        i.billing_period,
        i.approval_reasons,
        case
            when i.approval_reasons = '' then 'auto_approved'
            when exists (select 1 from ledger.approvals as a where a.invoice_number = i.invoice_number)
                then 'approved'
            else 'held'
        end as approval_status
    from ledger.invoices as i
"""


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
        from ({APPROVAL_STATE_SQL}) as s
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
        f"select billing_period, approval_status from ({APPROVAL_STATE_SQL}) where invoice_number = ?",
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
