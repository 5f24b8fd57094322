"""Payment references: the check-digit macros (property-tested) and issuing at close time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.receivables.payment_references import is_valid, issue_missing, reference
from orchestration.wiring.warehouse_setup import ensure_ledger

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CON = duckdb.connect()
ensure_ledger(CON)

# Bodies each scheme accepts: RF 1-21 letters or digits; KID 1-24 digits; Finnish 3-19 digits.
BODIES = {
    "rf": st.text(alphabet=ALNUM, min_size=1, max_size=21),
    "kid": st.text(alphabet="0123456789", min_size=1, max_size=24),
    "fi": st.text(alphabet="0123456789", min_size=3, max_size=19),
}


@pytest.mark.parametrize(
    ("scheme", "body", "expected"),
    [
        ("rf", "539007547034", "RF18539007547034"),  # the ISO 11649 example
        ("kid", "7992739871", "79927398713"),  # the Luhn example
        ("fi", "1234561", "12345614"),  # Finnish Bankers' Association example
    ],
)
def test_published_examples(scheme: str, body: str, expected: str) -> None:
    assert reference(CON, scheme, body) == expected
    assert is_valid(CON, scheme, expected)


@pytest.mark.parametrize("scheme", sorted(BODIES))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_issued_references_round_trip_and_any_single_digit_change_is_caught(
    scheme: str, data: st.DataObject
) -> None:
    body = data.draw(BODIES[scheme])
    issued = reference(CON, scheme, body)
    assert is_valid(CON, scheme, issued)
    digit_positions = [i for i, c in enumerate(issued) if c.isdigit()]
    position = data.draw(st.sampled_from(digit_positions))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != issued[position]]))
    changed = issued[:position] + replacement + issued[position + 1 :]
    assert not is_valid(CON, scheme, changed)


@pytest.mark.parametrize(
    ("scheme", "value"),
    [("rf", None), ("rf", ""), ("rf", "RF"), ("rf", "rf18539007547034"), ("kid", "12a4"), ("fi", "12")],
)
def test_malformed_references_are_invalid_not_errors(scheme: str, value: str | None) -> None:
    assert not is_valid(CON, scheme, value)  # type: ignore[arg-type]


@pytest.fixture
def ledger() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    ensure_ledger(con)
    rows = [
        # number, type, entity, seq, customer country, currency
        ("NO1-2026-000001", "invoice", "NO1", 1, "NO", "NOK"),
        ("FR1-2026-000001", "invoice", "FR1", 1, "FR", "EUR"),
        ("FR1-2026-000002", "invoice", "FR1", 2, "FI", "SEK"),  # FR1 keeps a Finnish SEK account
        ("FR1-2026-000003", "invoice", "FR1", 3, "FI", "EUR"),  # ... but no Finnish EUR account
        ("US1-2026-000001", "debit_note", "US1", 1, "US", "USD"),
        ("US1-2026-000002", "credit_note", "US1", 2, "US", "USD"),
    ]
    for number, kind, entity, seq, country, currency in rows:
        con.execute(
            """
            insert into ledger.invoices values (?, ?, '2026-10', ?, 2026, ?, null, 'C-' || ?, 'Customer', ?,
                'en', ?, 2, 100, 0, 100, date '2026-11-01', date '2026-12-01', null, null, null, null, '',
                'test', now())
            """,
            [number, kind, entity, seq, number, country, currency],
        )
    yield con
    con.close()


def test_every_invoice_and_debit_note_gets_the_scheme_its_rule_declares(
    ledger: duckdb.DuckDBPyConnection,
) -> None:
    assert issue_missing(ledger, datetime(2026, 11, 1, tzinfo=UTC)) == 5
    issued = dict(
        ledger.execute(
            "select invoice_number, scheme || ':' || payment_reference from ledger.payment_references"
        ).fetchall()
    )
    assert issued == {
        "NO1-2026-000001": "kid:20260000011",
        "FR1-2026-000001": "rf:" + reference(ledger, "rf", "FR12026000001"),
        "FR1-2026-000002": "fi:" + reference(ledger, "fi", "2026000002"),
        "FR1-2026-000003": "rf:" + reference(ledger, "rf", "FR12026000003"),
        "US1-2026-000001": "rf:" + reference(ledger, "rf", "US12026000001"),
    }
    # Issuing again finds nothing left to issue and changes nothing.
    assert issue_missing(ledger, datetime(2026, 11, 2, tzinfo=UTC)) == 0
    assert ledger.execute("select count(*) from ledger.payment_references").fetchone() == (5,)
