"""The cash journal and the payments hand-off to accounting.

Each dunning evaluation journals the money events it sees as of its date for the first time
(sql/cash_journal_lines.sql): customer credits received and returned, payments applied to
documents and their reversals, approved write-offs. Each is two lines in the entity's
accounts (seeds/close/gl_accounts.csv) through an unapplied-cash account, so a journal
balances by itself and the unapplied-cash balance is the customers' money not yet applied.
They are appended to ledger.cash_journal under one batch per evaluation that found any
(`<date>/<n>`), never edited; an event whose account is not declared waits, named, until it is.

Each batch of the date is written to `cash/<date>/batch-<n>/` under the exports folder:
`cash_journal.csv` (the GL lines), `xero_payments.csv` (a row per payment or write-off to
record against an invoice, in the fields of Xero's Payments API) and
`xero_payment_reversals.csv` (recorded payments to delete, by the reference they were
exported with). A batch's files are a function of the ledger: rewriting them gives the same
bytes, and an event is in exactly one batch.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.close.ledger import audit, now
from orchestration.close.reference import load_close_reference
from orchestration.receivables.payment_references import RECEIVABLES_SEEDS_DIR
from orchestration.wiring.money import CURRENCIES_CSV, decimal_text
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction

CASH_FOLDER = "cash"
JOURNAL_COLUMNS = (
    "journal_id", "journal_line", "journal_date", "event_kind", "source_reference", "invoice_number",
    "issuing_entity_id", "customer_id", "bank_account_id", "currency_code", "account_role",
    "account_code", "account_name", "debit", "credit",
)  # fmt: skip
XERO_PAYMENT_COLUMNS = ("InvoiceNumber", "AccountCode", "Date", "Amount", "CurrencyCode", "Reference")
XERO_REVERSAL_COLUMNS = ("InvoiceNumber", "Reference", "Date", "Amount", "CurrencyCode", "ReversedBy")


class CashJournalError(RuntimeError):
    """A batch that would not balance: never appended."""


@dataclass(frozen=True)
class CashBatch:
    batch_id: str | None
    journals: int
    held: list[str]


def record_cash_journal(con: duckdb.DuckDBPyConnection, as_of: date, recorded_by: str) -> CashBatch:
    """Append the money events first seen as of `as_of` as one batch; idempotent."""
    load_close_reference(con)
    con.execute(
        f"create or replace temp table cash_lines as {sql_file(__file__, 'cash_journal_lines')}",
        {"as_of": as_of, "bank_accounts": str(RECEIVABLES_SEEDS_DIR / "bank_accounts.csv")},
    )
    held = [
        f"{kind} {source}: no {role} account declared for {entity} in seeds/close/gl_accounts.csv"
        for kind, source, role, entity in con.execute(
            """
            select event_kind, source_reference, min(account_role), min(issuing_entity_id) from cash_lines
            where account_code is null or is_settlement_unmapped
            group by event_kind, source_reference order by event_kind, source_reference
            """
        ).fetchall()
    ]
    ready = con.execute(
        """
        select count(*) from (
            select event_kind, source_reference from cash_lines group by all
            having bool_and(account_code is not null and not is_settlement_unmapped)
        )
        """
    ).fetchone()
    if not ready or ready[0] == 0:
        return CashBatch(None, 0, held)
    earlier = con.execute(
        "select count(distinct batch_id) from ledger.cash_journal where batch_id like ?", [f"{as_of}/%"]
    ).fetchone()
    batch_id = f"{as_of}/{(earlier[0] if earlier else 0) + 1}"
    with transaction(con):
        before = _journals(con)
        con.execute(
            sql_file(__file__, "record_cash_journal"),
            {"batch_id": batch_id, "recorded_by": recorded_by, "recorded_at": now()},
        )
        unbalanced = con.execute(
            """
            select journal_id from ledger.cash_journal where batch_id = ?
            group by journal_id having sum(debit_minor) <> sum(credit_minor) or count(*) <> 2
            order by journal_id
            """,
            [batch_id],
        ).fetchall()
        if unbalanced:
            raise CashJournalError(f"cash journals that do not balance: {[row[0] for row in unbalanced]}")
        journals = _journals(con) - before
        audit(con, recorded_by, "record_cash_journal", None, batch_id, {"journals": journals, "held": held})
    return CashBatch(batch_id, journals, held)


def _journals(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select count(distinct journal_id) from ledger.cash_journal").fetchone()
    return int(row[0]) if row else 0


def write_cash_exports(con: duckdb.DuckDBPyConnection, as_of: date, exports_dir: Path) -> list[Path]:
    """Write every batch of `as_of` to `cash/<date>/batch-<n>/`; the same ledger, the same bytes."""
    units = dict(
        con.execute(
            "select currency_code, cast(minor_units as integer) from read_csv(?, all_varchar = true)",
            [str(CURRENCIES_CSV)],
        ).fetchall()
    )

    def amount(minor: int, currency: str) -> str:
        return decimal_text(minor, units[currency])

    written: list[Path] = []
    batches = con.execute(
        "select distinct batch_id from ledger.cash_journal where batch_id like ? order by batch_id",
        [f"{as_of}/%"],
    ).fetchall()
    for (batch_id,) in batches:
        lines = con.execute(
            """
            select journal_id, journal_line, journal_date, event_kind, source_reference, invoice_number,
                issuing_entity_id, customer_id, bank_account_id, currency_code, account_role, account_code,
                account_name, debit_minor, credit_minor
            from ledger.cash_journal where batch_id = ? order by journal_id, journal_line
            """,
            [batch_id],
        ).fetchall()
        journal = [(*row[:13], amount(row[13], row[9]), amount(row[14], row[9])) for row in lines]
        settled = con.execute(
            """
            select journal.invoice_number, journal.settlement_account_code, journal.journal_date,
                journal.credit_minor, journal.debit_minor, journal.currency_code, journal.source_reference,
                allocations.reverses_allocation_id
            from ledger.cash_journal as journal
            inner join ledger.allocations as allocations
                on journal.source_reference = allocations.allocation_id
            where journal.batch_id = ? and journal.account_role = 'receivable'
            order by journal.journal_id
            """,
            [batch_id],
        ).fetchall()
        payments = [
            (number, account, day, amount(credit, currency), currency, reference)
            for number, account, day, credit, _, currency, reference, _ in settled
            if credit > 0
        ]
        reversals = [
            (number, reversed_id, day, amount(debit, currency), currency, reference)
            for number, _, day, _, debit, currency, reference, reversed_id in settled
            if debit > 0
        ]
        folder = exports_dir / CASH_FOLDER / as_of.isoformat() / f"batch-{batch_id.rsplit('/', 1)[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, header, rows in (
            ("cash_journal.csv", JOURNAL_COLUMNS, journal),
            ("xero_payments.csv", XERO_PAYMENT_COLUMNS, payments),
            ("xero_payment_reversals.csv", XERO_REVERSAL_COLUMNS, reversals),
        ):
            table = io.StringIO()
            writer = csv.writer(table, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(["" if value is None else str(value) for value in row] for row in rows)
            path = folder / name
            partial = path.with_name(f".{name}.partial")
            partial.write_text(table.getvalue(), encoding="utf-8")
            os.replace(partial, path)
            written.append(path)
    return written
