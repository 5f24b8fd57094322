"""Read SWIFT MT940 statements with the maintained ``mt-940`` library.

The library knows the bank dialects (decimal commas, ``C``/``D``/``RC``/``RD`` marks, ``:86:``
text wrapped over lines, bank headers before ``:20:``); this module only splits a file into
its statements, so each entry keeps its own statement number and account, and maps the
library's transactions onto BankEntry.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

import mt940

from orchestration.receivables.entries import BankEntry, BankFile, BankFileRejected, StatementBalance

# A statement starts at its :20: (transaction reference) tag at the start of a line.
_STATEMENT_START = re.compile(r"^:20:", re.MULTILINE)
# MT940 files are SWIFT character set in practice, but banks ship Latin-1 exports too.
_ENCODINGS = ("utf-8", "latin-1")


def _decode(raw: bytes) -> str:
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte string")


def _statements(text: str) -> list[str]:
    starts = [match.start() for match in _STATEMENT_START.finditer(text)]
    # Anything before the first :20: is a bank header and belongs to the first statement.
    bounds = [0, *starts[1:], len(text)]
    return [text[begin:end] for begin, end in itertools.pairwise(bounds)]


def _line_of(text: str, fragment: str) -> int:
    return text[: text.find(fragment)].count("\n") + 1 if fragment in text else 0


def _one_line(value: Any) -> str | None:
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _plain_date(value: date) -> date:
    # The library hands out its own date subclass; staging wants plain dates.
    return date(value.year, value.month, value.day)


def read_mt940(path: Path) -> BankFile:
    """Every entry of an MT940 file in file order; BankFileRejected if unreadable."""
    raw = path.read_bytes()
    text = _decode(raw).replace("\r\n", "\n")
    if not _STATEMENT_START.search(text):
        raise BankFileRejected(f"{path.name}: no :20: statement tag found")
    file_sha256 = hashlib.sha256(raw).hexdigest()
    entries: list[BankEntry] = []
    balances: list[StatementBalance] = []
    for index, block in enumerate(_statements(text)):
        statement = mt940.models.Transactions()
        try:
            statement.parse(block)
        except Exception as error:  # the library raises bare ValueError/KeyError/RuntimeError
            line = _line_of(text, block[:40])
            raise BankFileRejected(f"{path.name}: statement at line {line} unreadable ({error})") from error
        header = statement.data
        numbers = (header.get("statement_number"), header.get("sequence_number"))
        sequence = _one_line("/".join(str(part) for part in numbers if part))
        # A statement continued over several messages carries intermediate (60M/62M) balances.
        opening = header.get("final_opening_balance") or header.get("intermediate_opening_balance")
        closing = header.get("final_closing_balance") or header.get("intermediate_closing_balance")
        if opening is not None and closing is not None:
            # The library's Amount is already signed by the C/D mark.
            balances.append(
                StatementBalance(
                    statement_id=str(header.get("transaction_reference") or ""),
                    statement_sequence=sequence,
                    statement_index=index,
                    currency=closing.amount.currency,
                    opening_balance=opening.amount.amount,
                    closing_balance=closing.amount.amount,
                )
            )
        for transaction in statement.transactions:
            data = transaction.data
            amount = data["amount"]
            details = data.get("transaction_details")
            entries.append(
                BankEntry(
                    file_name=path.name,
                    file_sha256=file_sha256,
                    message_kind="mt940",
                    statement_id=str(header.get("transaction_reference") or ""),
                    statement_sequence=sequence,
                    statement_index=index,
                    account_id=_one_line(header.get("account_identification")),
                    entry_position=len(entries),
                    # :61: carries the value date and, optionally, the booking (entry) date.
                    booking_date=_plain_date(data.get("entry_date") or data["date"]),
                    value_date=_plain_date(data["date"]),
                    amount=amount.amount,
                    currency=amount.currency,
                    credit_debit="CRDT" if amount.amount > 0 else "DBIT",
                    counterparty_name=_one_line(data.get("applicant_name")),
                    counterparty_iban=_one_line(data.get("applicant_iban")),
                    remittance_text=_one_line(details),
                    creditor_reference=None,
                    end_to_end_id=_one_line(data.get("end_to_end_reference")),
                    bank_reference=_one_line(data.get("bank_reference")),
                )
            )
    return BankFile(entries, balances)
