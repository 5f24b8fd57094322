"""Read plain CSV bank exports with the layout declared for their account.

Banks without camt or MT940 for an account give a CSV export of its movements, each bank its
own. Like the colocation vendors' invoices, each account's layout is data:
seeds/receivables/bank_csv_layouts.csv (delimiter, decimal separator, date format, encoding)
and bank_csv_layout_columns.csv (which source column holds each field). The amount is one
signed column, or a credit and a debit column. A CSV export carries no statement balances,
so its entries are not part of the opening + entries = closing check.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.receivables.entries import BankEntry, BankFile, BankFileRejected

FIELDS = (
    "booking_date", "value_date", "amount", "credit_amount", "debit_amount", "currency", "counterparty_name",
    "counterparty_iban", "remittance_text", "creditor_reference", "end_to_end_id", "bank_reference",
)  # fmt: skip


@dataclass(frozen=True)
class CsvLayout:
    """How one account's CSV export is written."""

    bank_account_id: str
    currency: str
    delimiter: str
    decimal_separator: str
    date_format: str
    encoding: str
    columns: dict[str, str]

    def problems(self) -> list[str]:
        """What makes the layout unusable: checked before any file is read with it."""
        found = [f"unknown field {name!r}" for name in self.columns if name not in FIELDS]
        if "booking_date" not in self.columns:
            found.append("no booking_date column")
        declared = {name for name in ("amount", "credit_amount", "debit_amount") if name in self.columns}
        if declared not in ({"amount"}, {"credit_amount", "debit_amount"}):
            found.append("declare either amount, or credit_amount and debit_amount")
        if self.decimal_separator not in (".", ","):
            found.append(f"decimal separator {self.decimal_separator!r} is neither '.' nor ','")
        return found


def read_layouts(seeds_dir: Path, currencies: dict[str, str]) -> dict[str, CsvLayout]:
    """The declared layouts by bank account (`currencies`: each account's currency)."""
    with (seeds_dir / "bank_csv_layouts.csv").open(newline="", encoding="utf-8") as handle:
        layouts = list(csv.DictReader(handle))
    with (seeds_dir / "bank_csv_layout_columns.csv").open(newline="", encoding="utf-8") as handle:
        columns = list(csv.DictReader(handle))
    return {
        row["bank_account_id"]: CsvLayout(
            bank_account_id=row["bank_account_id"],
            currency=currencies.get(row["bank_account_id"], ""),
            delimiter=row["delimiter"],
            decimal_separator=row["decimal_separator"],
            date_format=row["date_format"],
            encoding=row["encoding"] or "utf-8-sig",
            columns={
                column["canonical_column"]: column["source_column"]
                for column in columns
                if column["bank_account_id"] == row["bank_account_id"]
            },
        )
        for row in layouts
    }


def _amount(text: str, layout: CsvLayout) -> Decimal | None:
    """A decimal in the layout's notation; the other separator and spaces group thousands."""
    grouping = "," if layout.decimal_separator == "." else "."
    cleaned = "".join(text.split()).replace("\u00a0", "").replace(grouping, "")
    if not cleaned:
        return None
    return Decimal(cleaned.replace(layout.decimal_separator, "."))


def _day(value: str | None, field: str, line: int, layout: CsvLayout) -> date | None:
    try:
        return None if value is None else datetime.strptime(value, layout.date_format).date()
    except ValueError:
        raise BankFileRejected(
            f"line {line}, column {layout.columns[field]!r}: {value!r} is not a date as {layout.date_format}"
        ) from None


def _signed(cells: dict[str, str | None], line: int, layout: CsvLayout) -> Decimal | None:
    try:
        if "amount" in layout.columns:
            return _amount(cells["amount"] or "", layout)
        credit = _amount(cells["credit_amount"] or "", layout)
        debit = _amount(cells["debit_amount"] or "", layout)
    except InvalidOperation:
        raise BankFileRejected(f"line {line}: the amount is not a number in this layout") from None
    if credit is None and debit is None:
        return None
    # A debit column may hold the amount with or without its minus sign.
    return (credit or Decimal(0)) - abs(debit or Decimal(0))


def read_csv_statement(path: Path, layout: CsvLayout) -> BankFile:
    """Every movement of a CSV export in file order; BankFileRejected naming the line if unreadable."""
    problems = layout.problems()
    if problems:
        raise BankFileRejected(f"the layout of {layout.bank_account_id} is unusable: {'; '.join(problems)}")
    raw = path.read_bytes()
    try:
        text = raw.decode(layout.encoding)
    except UnicodeDecodeError as error:
        raise BankFileRejected(f"not {layout.encoding}: invalid byte at offset {error.start}") from None
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))
    if not rows:
        raise BankFileRejected("empty file")
    header = [name.strip() for name in rows[0]]
    missing = [source for source in layout.columns.values() if source not in header]
    if missing:
        raise BankFileRejected(f"line 1: the declared columns {missing} are not in the header")
    sha256 = hashlib.sha256(raw).hexdigest()
    entries: list[BankEntry] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in row):
            continue
        # Some banks end each data row with a delimiter the header lacks: empty, so harmless.
        if len(row) > len(header) and not any(value.strip() for value in row[len(header) :]):
            row = row[: len(header)]
        if len(row) != len(header):
            raise BankFileRejected(f"line {line} has {len(row)} fields, the header has {len(header)}")
        cells = {field: row[header.index(source)].strip() or None for field, source in layout.columns.items()}
        cells |= {field: None for field in FIELDS if field not in cells}
        booked = _day(cells["booking_date"], "booking_date", line, layout)
        amount = _signed(cells, line, layout)
        if booked is None or amount is None:
            raise BankFileRejected(f"line {line}: no booking date or no amount")
        entries.append(
            BankEntry(
                file_name=path.name,
                file_sha256=sha256,
                message_kind="csv",
                statement_id=path.stem,
                statement_sequence=None,
                statement_index=0,
                account_id=None,
                entry_position=len(entries),
                booking_date=booked,
                value_date=_day(cells["value_date"], "value_date", line, layout) or booked,
                amount=amount,
                currency=cells["currency"] or layout.currency,
                credit_debit="CRDT" if amount > 0 else "DBIT",
                counterparty_name=cells["counterparty_name"],
                counterparty_iban=cells["counterparty_iban"],
                remittance_text=cells["remittance_text"],
                creditor_reference=cells["creditor_reference"],
                end_to_end_id=cells["end_to_end_id"],
                bank_reference=cells["bank_reference"],
            )
        )
    return BankFile(entries=entries, balances=[])
