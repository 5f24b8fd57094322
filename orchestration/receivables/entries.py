"""What every bank-file reader returns: one entry per booked movement, or a rejection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class BankFileRejected(ValueError):
    """A bank file that cannot be read; the message names the file and the element or line."""


@dataclass(frozen=True)
class BankEntry:
    """One booked entry of a statement or notification, as staging needs it."""

    file_name: str
    file_sha256: str
    message_kind: str
    statement_id: str
    statement_sequence: str | None
    statement_index: int
    account_id: str | None
    entry_position: int
    booking_date: date | None
    value_date: date | None
    amount: Decimal
    currency: str
    credit_debit: str
    counterparty_name: str | None
    counterparty_iban: str | None
    remittance_text: str | None
    creditor_reference: str | None
    end_to_end_id: str | None
    bank_reference: str | None


@dataclass(frozen=True)
class StatementBalance:
    """Opening and closing booked balance of one statement, signed (credit positive)."""

    statement_id: str
    statement_sequence: str | None
    statement_index: int
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal


@dataclass(frozen=True)
class BankFile:
    """What a reader makes of one file: its entries and its statements' balances."""

    entries: list[BankEntry]
    balances: list[StatementBalance]
