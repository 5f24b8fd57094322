"""Corrections of closed periods: adjustment notes from re-rating, and void-and-reissue.

A closed period is never rewritten. When late usage, a vendor credit or a corrected rate
changes a closed period's drafts, `adjust` re-rates it (the marts rebuilt for that period)
against what was billed (frozen lines plus earlier adjustments) and issues the differences
as debit and credit notes in the next open period, each line linked to the original invoice
line and the reason. `void` issues a credit note for the whole invoice and a replacement,
linked to the original and to each other. Every document takes the next gapless number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.close.approval import approval_reasons_sql
from orchestration.close.ledger import (
    LedgerError,
    audit,
    ensure_open,
    is_closed,
    next_id,
    next_open_period,
    now,
)
from orchestration.close.numbering import allocate
from orchestration.close.readiness import marts_hold_period
from orchestration.close.reference import load_close_reference, reason_codes
from orchestration.close.snapshot import issue_dates
from orchestration.receivables.payment_references import issue_missing
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction


@dataclass(frozen=True)
class IssuedNote:
    invoice_number: str
    document_type: str
    customer_id: str
    billing_period: str
    line_count: int
    gross_amount_minor: int


def _insert_document(
    con: duckdb.DuckDBPyConnection,
    *,
    document_type: str,
    period: str,
    entity: str,
    customer: tuple[str, str, str, str, str, int],
    original: str | None,
    related: str | None,
    reason: str,
    why: str,
    by: str,
    lines_sql: str,
    lines_params: dict[str, object],
) -> str:
    """Number a document in `period`, insert its lines from `lines_sql` and the header."""
    ensure_open(con, period)
    year = int(period[:4])
    sequence, number = allocate(con, entity, year)
    customer_id, name, country, language, currency, minor_units = customer
    con.execute(sql_file(__file__, "note_lines").format(lines=lines_sql), {"number": number, **lines_params})
    totals = con.execute(
        "select coalesce(sum(net_amount_minor), 0), coalesce(sum(tax_amount_minor), 0), "
        "bool_or(is_estimated) from ledger.invoice_lines where invoice_number = ?",
        [number],
    ).fetchone()
    net, tax, estimated = int(totals[0]), int(totals[1]), bool(totals[2])  # type: ignore[index]
    con.execute(
        """
        create or replace temp table close_note_doc as select
            ? as document_key, ? as customer_id, ? as document_type, ? as currency_code,
            ? as minor_units, cast(? as bigint) as gross_amount_minor, ? as has_estimated,
            ? as is_correction
        """,
        [number, customer_id, document_type, currency, minor_units, net + tax, estimated, reason != ""],
    )
    reasons = con.execute(approval_reasons_sql("close_note_doc")).fetchone()
    terms = con.execute(
        "select terms_days from close_issuing_entities where issuing_entity_id = ?", [entity]
    ).fetchone()
    issued, due = issue_dates(period, int(terms[0]) if terms else 30)
    con.execute(
        f"insert into ledger.invoices values (?, ?, ?, ?, ?, ?, null, {', '.join(['?'] * 18)})",
        [
            number, document_type, period, entity, year, sequence, customer_id, name, country, language,
            currency, minor_units, net, tax, net + tax, issued, due, original, related, reason, why,
            reasons[1] if reasons else "", by, now(),
        ],
    )  # fmt: skip
    issue_missing(con, now())
    return number


def _customer(con: duckdb.DuckDBPyConnection, invoice_number: str) -> tuple[str, tuple]:
    row = con.execute(
        """
        select issuing_entity_id, customer_id, customer_name, country_code, language_code, currency_code,
            minor_units
        from ledger.invoices where invoice_number = ?
        """,
        [invoice_number],
    ).fetchone()
    if not row:
        raise LedgerError(f"no issued document {invoice_number}")
    return row[0], tuple(row[1:])


def adjust(con: duckdb.DuckDBPyConnection, period: str, reason: str, by: str, why: str) -> list[IssuedNote]:
    """Re-rate the closed `period` (marts rebuilt for it) against the ledger; issue the differences."""
    load_close_reference(con)
    if reason not in reason_codes(con):
        raise LedgerError(f"unknown adjustment reason {reason!r}; see seeds/close/adjustment_reasons.csv")
    if not by.strip() or not why.strip():
        raise LedgerError("an adjustment needs who (--by) and why (--why)")
    if not is_closed(con, period):
        raise LedgerError(f"period {period} is not closed: rebuild and close it instead of adjusting")
    if not marts_hold_period(con, period):
        raise LedgerError(f"the marts hold no draft of {period}; run `meterline run --period {period}` first")
    target = next_open_period(con, period)
    con.execute(sql_file(__file__, "adjustment_lines"), {"period": period})
    groups = con.execute(
        """
        select distinct customer_id, original_invoice_number,
            case when net_delta + tax_delta >= 0 then 'debit_note' else 'credit_note' end as document_type
        from close_adjustment_lines order by customer_id, document_type
        """
    ).fetchall()
    issued: list[IssuedNote] = []
    with transaction(con):
        for customer_id, original, document_type in groups:
            entity, customer = _entity_and_customer(con, customer_id, original, period)
            number = _insert_document(
                con,
                document_type=document_type,
                period=target,
                entity=entity,
                customer=customer,
                original=original,
                related=None,
                reason=reason,
                why=why,
                by=by,
                lines_sql=sql_file(__file__, "adjustment_note_lines"),
                lines_params={
                    "reason": reason,
                    "customer_id": customer_id,
                    "is_debit": document_type == "debit_note",
                },
            )
            con.execute(
                sql_file(__file__, "adjustment_records"),
                {
                    "number": number,
                    "source_period": period,
                    "target_period": target,
                    "customer_id": customer_id,
                    "original": original,
                    "reason": reason,
                    "why": why,
                    "created_by": by,
                    "created_at": now(),
                },
            )
            row = con.execute(
                "select count(*), max(gross_amount_minor) from ledger.invoice_lines "
                "inner join ledger.invoices using (invoice_number) where invoice_number = ?",
                [number],
            ).fetchone()
            issued.append(IssuedNote(number, document_type, customer_id, target, int(row[0]), int(row[1])))  # type: ignore[index]
        audit(con, by, "adjust", period, reason, {"why": why, "notes": [n.invoice_number for n in issued]})
    return issued


def _entity_and_customer(
    con: duckdb.DuckDBPyConnection, customer_id: str, original: str | None, period: str
) -> tuple[str, tuple]:
    """The original invoice's entity; a customer new to the period takes its entity from dim_customers."""
    if original:
        return _customer(con, original)
    row = con.execute(
        """
        select issuing_entity_id, customer_id, customer_name, country_code,
            coalesce(language_code, 'en') as language_code, currency_code, minor_units
        from marts.dim_customers
        where customer_id = ? and billing_period = ? and issuing_entity_id is not null
        """,
        [customer_id, period],
    ).fetchone()
    if not row:
        raise LedgerError(f"customer {customer_id} of {period} has no issuing entity")
    return row[0], tuple(row[1:])


def void(con: duckdb.DuckDBPyConnection, invoice_number: str, by: str, why: str) -> tuple[str, str]:
    """Credit the whole invoice and reissue it; returns (credit note, replacement) numbers."""
    if not by.strip() or not why.strip():
        raise LedgerError("voiding needs who (--by) and why (--why)")
    load_close_reference(con)
    found = con.execute(
        "select billing_period, document_type from ledger.invoices where invoice_number = ?", [invoice_number]
    ).fetchone()
    if not found or found[1] != "invoice":
        raise LedgerError(f"{invoice_number} is not an issued invoice")
    if con.execute("select 1 from ledger.voids where invoice_number = ?", [invoice_number]).fetchone():
        raise LedgerError(f"{invoice_number} is already voided")
    target = next_open_period(con, found[0])
    entity, customer = _customer(con, invoice_number)
    copy = sql_file(__file__, "void_note_lines")
    with transaction(con):
        common: dict[str, Any] = {
            "period": target,
            "entity": entity,
            "customer": customer,
            "why": why,
            "by": by,
        }
        lines: dict[str, object] = {"invoice_number": invoice_number}
        credit = _insert_document(
            con, document_type="credit_note", original=invoice_number, related=None, reason="void_reissue",
            lines_sql=copy.format(sign="-"), lines_params=lines, **common,
        )  # fmt: skip
        replacement = _insert_document(
            con, document_type="invoice", original=invoice_number, related=credit, reason="void_reissue",
            lines_sql=copy.format(sign=""), lines_params=lines, **common,
        )  # fmt: skip
        con.execute(
            "insert into ledger.voids values (?, ?, ?, ?, ?, ?)",
            [invoice_number, credit, replacement, by, why, now()],
        )
        audit(
            con,
            by,
            "void",
            target,
            invoice_number,
            {"why": why, "credit_note": credit, "replacement": replacement},
        )
    return credit, replacement


__all__ = ["IssuedNote", "adjust", "next_id", "void"]
