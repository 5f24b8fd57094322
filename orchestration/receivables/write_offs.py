"""Write-offs: finance gives up what a document still owes, as an allocation that closes it.

`meterline write-off` appends a `write_off` allocation of the document's open amount (its
gross less every allocation recorded on or before the date) to ledger.allocations
(sql/record_write_off.sql) and a line to the audit log. The matching never proposes nor
reverses one, and no later payment can take what it forgave. Up to the currency's bank-fee
tolerance (seeds/receivables/receivables_policy.csv) it answers a
`short_payment_write_off_proposed` exception (rule `bank_fee_tolerance`); more than that is a
bad debt and needs `--beyond-tolerance` (rule `bad_debt`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.close.ledger import LedgerError, audit, now
from orchestration.receivables.payment_references import RECEIVABLES_SEEDS_DIR
from orchestration.wiring.money import CURRENCIES_CSV, decimal_text
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction


@dataclass(frozen=True)
class WriteOff:
    invoice_number: str
    currency_code: str
    amount_minor: int
    match_rule: str


def in_units(con: duckdb.DuckDBPyConnection, minor: int, currency: str) -> str:
    """`minor` units of `currency` as a decimal amount and the code, e.g. `15.00 EUR`."""
    row = con.execute(
        "select cast(minor_units as integer) from read_csv(?, all_varchar = true) where currency_code = ?",
        [str(CURRENCIES_CSV), currency],
    ).fetchone()
    return f"{decimal_text(minor, row[0] if row else 0)} {currency}"


def _tolerance_minor(con: duckdb.DuckDBPyConnection, currency: str) -> int:
    row = con.execute(
        "select bank_fee_tolerance_minor from read_csv(?, all_varchar = true) where currency_code = ?",
        [str(RECEIVABLES_SEEDS_DIR / "receivables_policy.csv"), currency],
    ).fetchone()
    return int(row[0]) if row else 0


def write_off(
    con: duckdb.DuckDBPyConnection,
    invoice_number: str,
    effective: date,
    reason: str,
    by: str,
    *,
    beyond_tolerance: bool = False,
) -> WriteOff | None:
    """Write off what the document still owes on `effective`; None when nothing is owed."""
    document = con.execute(
        """
        select
            documents.document_type,
            documents.currency_code,
            documents.gross_amount_minor - coalesce((
                select sum(allocations.amount_minor) from ledger.allocations as allocations
                where allocations.invoice_number = documents.invoice_number
                    and allocations.value_date <= $effective
            ), 0),
            documents.approval_reasons <> '' and not exists (
                select 1 from ledger.approvals as approvals
                where approvals.invoice_number = documents.invoice_number
            ),
            documents.issue_date
        from ledger.invoices as documents
        where documents.invoice_number = $invoice_number
        """,
        {"invoice_number": invoice_number, "effective": effective},
    ).fetchone()
    if document is None or document[0] not in ("invoice", "debit_note"):
        raise LedgerError(f"{invoice_number} is not an issued invoice or debit note")
    _, currency, open_minor, held, issued = document
    if held:
        raise LedgerError(f"{invoice_number} is held for approval and was never sent: void it instead")
    if effective < issued:
        raise LedgerError(f"{invoice_number} was issued on {issued}, after {effective}")
    if open_minor <= 0:
        return None
    tolerance = _tolerance_minor(con, currency)
    if open_minor > tolerance and not beyond_tolerance:
        raise LedgerError(
            f"{invoice_number} still owes {in_units(con, open_minor, currency)}, more than the bank-fee "
            f"tolerance of {in_units(con, tolerance, currency)}: pass --beyond-tolerance to write it off "
            "as a bad debt"
        )
    rule = "bank_fee_tolerance" if open_minor <= tolerance else "bad_debt"
    earlier = con.execute(
        "select count(*) from ledger.allocations where invoice_number = ? and allocation_kind = 'write_off'",
        [invoice_number],
    ).fetchone()
    key = f"write_off:{invoice_number}:{(earlier[0] if earlier else 0) + 1}"
    with transaction(con):
        con.execute(
            sql_file(__file__, "record_write_off"),
            {
                "allocation_key": key,
                "invoice_number": invoice_number,
                "amount_minor": open_minor,
                "match_rule": rule,
                "value_date": effective,
                "recorded_by": by,
                "recorded_at": now(),
            },
        )
        audit(
            con, by, "write_off", None, invoice_number,
            {"amount_minor": open_minor, "currency": currency, "on": effective.isoformat(), "rule": rule,
             "why": reason},
        )  # fmt: skip
    return WriteOff(invoice_number, currency, int(open_minor), rule)
