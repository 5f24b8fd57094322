"""MT940 reader agrees with the mt940 library's recorded parse of real bank statements."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from orchestration.receivables.entries import BankFileRejected
from orchestration.receivables.mt940_reader import read_mt940

MT940 = Path(__file__).parent / "fixtures" / "real" / "bank" / "mt940"
FIXTURES = sorted(p.name.removesuffix(".expected.yml") for p in MT940.glob("*.expected.yml"))


def _expected(stem: str) -> list[tuple]:
    # The recorded parse is a pickled-style YAML of the library's own objects: trusted
    # test data from the fixture's source repository, so the full loader is acceptable here.
    recorded = yaml.unsafe_load((MT940 / f"{stem}.expected.yml").read_text())
    rows = []
    for transaction in recorded.transactions:
        data = transaction.data
        value = data["date"]
        booked = data.get("entry_date") or value
        rows.append(
            (
                data["amount"].amount,
                data["amount"].currency,
                date(booked.year, booked.month, booked.day),
                date(value.year, value.month, value.day),
            )
        )
    return rows


def test_every_fixture_is_covered() -> None:
    assert len(FIXTURES) == 5


@pytest.mark.parametrize("stem", FIXTURES)
def test_mt940_entries_match_recorded_parse(stem: str) -> None:
    entries = read_mt940(MT940 / f"{stem}.sta").entries
    got = [(e.amount, e.currency, e.booking_date, e.value_date) for e in entries]
    assert got == _expected(stem)
    assert [e.entry_position for e in entries] == list(range(len(entries)))
    assert all((e.amount > 0) == (e.credit_debit == "CRDT") for e in entries)


def test_several_statements_in_one_file_keep_their_own_numbers() -> None:
    entries = read_mt940(MT940 / "jejik_abnamro.sta").entries
    assert {e.statement_sequence for e in entries} == {"19321/1", "19322/1"}


def test_file_without_statement_is_rejected(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sta"
    junk.write_text("this is not a statement\n")
    with pytest.raises(BankFileRejected, match=r"junk\.sta: no :20: statement tag"):
        read_mt940(junk)


def _breaks(stem: str) -> list[int]:
    parsed = read_mt940(MT940 / f"{stem}.sta")
    return [
        balance.statement_index
        for balance in parsed.balances
        if balance.opening_balance
        + sum(e.amount for e in parsed.entries if e.statement_index == balance.statement_index)
        != balance.closing_balance
    ]


def test_statement_balances_are_read_signed_per_statement() -> None:
    # Real bank files whose opening + entries = closing, statement by statement; the
    # Rabobank file holds two statements with the same reference and number.
    assert _breaks("cmxl_mt940") == []
    assert _breaks("jejik_rabobank-iban") == []
    assert len(read_mt940(MT940 / "jejik_rabobank-iban.sta").balances) == 2
    # The anonymised Triodos sample does not add up (4975.09 - 715.70 != 4370.79): such a
    # statement must be caught by the balance check, not trusted.
    assert _breaks("jejik_triodos") == [0]
