"""camt.053/054 reader agrees with the genkgo/camt library's own parse of its real test files."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.receivables.camt import read_camt
from orchestration.receivables.entries import BankFileRejected

CAMT = Path(__file__).parent / "fixtures" / "real" / "bank" / "camt"
FIXTURES = sorted(p.name.removesuffix(".expected.json") for p in CAMT.glob("*.expected.json"))


def _expected_entries(stem: str) -> list[dict]:
    # The library stores money in minor units, signed (Money\Money); two decimals for
    # every currency these files use.
    document = json.loads((CAMT / f"{stem}.expected.json").read_text())
    return [
        {
            "amount": Decimal(entry["getAmount"]["getAmount"]) / 100,
            "currency": entry["getAmount"]["getCurrency"]["getCode"],
            "credit_debit": entry["getCreditDebitIndicator"],
            "booking_date": date.fromisoformat(entry["getBookingDate"]["0"][:10]),
            "value_date": date.fromisoformat(entry["getValueDate"]["0"][:10]),
            "bank_reference": entry["getAccountServicerReference"],
        }
        for entry in document["getEntries"]
    ]


def test_every_fixture_is_covered() -> None:
    assert len(FIXTURES) == 6


@pytest.mark.parametrize("stem", FIXTURES)
def test_camt_entries_match_library_parse(stem: str) -> None:
    entries = read_camt(CAMT / f"{stem}.xml").entries
    expected = _expected_entries(stem)
    assert len(entries) == len(expected)
    for entry, want in zip(entries, expected, strict=True):
        got = {
            "amount": entry.amount,
            "currency": entry.currency,
            "credit_debit": entry.credit_debit,
            "booking_date": entry.booking_date,
            "value_date": entry.value_date,
            "bank_reference": entry.bank_reference,
        }
        assert got == want
        assert (entry.amount > 0) == (entry.credit_debit == "CRDT")


def test_camt053_v8_reads_payer_and_references() -> None:
    (entry,) = read_camt(CAMT / "camt053.v8.xml").entries
    assert entry.message_kind == "camt.053"
    assert entry.counterparty_name == "NAME NAME"
    assert entry.counterparty_iban == "NL56AGDH9619008421"
    assert entry.creditor_reference == "4654654654654654"
    assert entry.end_to_end_id == "MUELL/FINP/RA12345"
    assert len(entry.file_sha256) == 64


def test_camt054_is_a_notification() -> None:
    (entry,) = read_camt(CAMT / "camt054.v8.xml").entries
    assert entry.message_kind == "camt.054"
    assert entry.amount == Decimal("-200000.00")


def test_malformed_statement_is_rejected_naming_file_and_element() -> None:
    with pytest.raises(BankFileRejected, match=r"camt053\.v2\.wrong\.xml: BkToCstmrStmt holds no Stmt"):
        read_camt(CAMT / "camt053.v2.wrong.xml")


def test_broken_xml_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "cut.xml"
    broken.write_text("<Document><BkToCstmrStmt><Stmt>")
    with pytest.raises(BankFileRejected, match=r"cut\.xml: not well-formed XML"):
        read_camt(broken)
