"""Payment matching and the allocations ledger, on the real models in a real DuckDB file.

The bank staging, ledger staging and matching models are compiled once by dbt; each test
builds its own warehouse (ledger, raw bank entries, seeds) and records allocations with the
real Python step. The property test draws invoices, credit notes and payments of every kind.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.close.ledger import LedgerError
from orchestration.receivables.cash_journal import CashBatch, record_cash_journal, write_cash_exports
from orchestration.receivables.write_offs import WriteOff, write_off
from tests.receivables_support import ReceivablesWarehouse, compile_models

C1_IBAN = "FR7610107001011234567890129"
TREASURY_IBAN = "FR7630001007941234567890185"
PAYERS = [(C1_IBAN, "", "C1"), ("", "acme sarl", "C2"), (TREASURY_IBAN, "", "")]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return compile_models(tmp_path_factory.mktemp("receivables_models"))


@pytest.fixture
def warehouse(compiled: dict[str, str], tmp_path: Path) -> Iterator[ReceivablesWarehouse]:
    built = ReceivablesWarehouse(tmp_path / "meterline.duckdb", compiled, PAYERS)
    yield built
    built.con.close()


def test_each_rule_and_each_case_ends_in_one_state(warehouse: ReceivablesWarehouse) -> None:
    w = warehouse
    w.issue("FR1-2026-000001", "C1", "EUR", 12000)
    w.issue("FR1-2026-000002", "C1", "EUR", 5000)
    w.issue("FR1-2026-000003", "C2", "EUR", 7000)
    w.issue("FR1-2026-000004", "C2", "SEK", 9000)
    w.issue("FR1-2026-000005", "C2", "EUR", -3000, document_type="credit_note", original="FR1-2026-000003")
    w.issue("FR1-2026-000006", "C1", "EUR", 2000)
    w.issue("FR1-2026-000007", "C1", "EUR", 3000)
    w.issue("FR1-2026-000008", "C1", "EUR", 1000)
    reference = w.payment_reference("FR1-2026-000001")
    # Reference with a 0.10 bank fee deducted: applied, and the rest proposed for write-off.
    w.book("a.xml", Decimal("119.90"), reference=reference.lower()[:4] + " " + reference[4:], iban=C1_IBAN)
    w.book("a.xml", Decimal("50.00"), text="pay FR1-2026-000002 thanks", name="Someone")
    # Amount and customer (by name): invoice 3 is owed 70.00 less its 30.00 credit note.
    w.book("a.xml", Decimal("40.00"), name="ACME SARL ", text="october")
    w.book("a.xml", Decimal("90.00"), text="FR1-2026-000004 in euros")
    w.book("a.xml", Decimal("10.00"), iban=TREASURY_IBAN, text="tva")
    w.book("a.xml", Decimal("11.00"), text="who", reference="RF00123")
    w.book("a.xml", Decimal("13.00"), text="nobody knows")
    # One transfer for two invoices, overpaid by 5.00.
    w.book("a.xml", Decimal("55.00"), text="FR1-2026-000006 + FR1-2026-000007")
    # Partial payment.
    w.book("a.xml", Decimal("4.00"), text="part of FR1-2026-000008")
    # Paid twice: the second finds nothing left.
    w.book("a.xml", Decimal("50.00"), text="again FR1-2026-000002", value_date=date(2026, 11, 25))

    assert w.outcomes() == {
        reference[:4].lower() + " " + reference[4:]: ("applied", 11990, None),
        "pay FR1-2026-000002 thanks": ("applied", 5000, None),
        "october": ("applied", 4000, None),
        "FR1-2026-000004 in euros": ("unapplied", 0, "payment_currency_mismatch"),
        "tva": ("non_customer", 0, None),
        "who": ("unapplied", 0, "payment_reference_invalid"),
        "nobody knows": ("unapplied", 0, "payment_unidentified"),
        "FR1-2026-000006 + FR1-2026-000007": ("partly_applied", 5000, "payment_overpaid"),
        "part of FR1-2026-000008": ("applied", 400, None),
        "again FR1-2026-000002": ("unapplied", 0, "payment_document_already_paid"),
    }
    rules = dict(
        w.con.execute(
            "select invoice_number, string_agg(match_rule, ',' order by match_rule) "
            "from intermediate.int_receivables__matched group by 1"
        ).fetchall()
    )
    assert rules == {
        "FR1-2026-000001": "structured_reference",
        "FR1-2026-000002": "invoice_number_in_text",
        "FR1-2026-000003": "amount_and_customer,credit_note_original",
        "FR1-2026-000006": "invoice_number_in_text",
        "FR1-2026-000007": "invoice_number_in_text",
        "FR1-2026-000008": "invoice_number_in_text",
    }
    first = w.record()
    assert (first.appended, first.reversed) == (7, 0)
    assert w.open_minor() == {
        "FR1-2026-000001": 10,
        "FR1-2026-000002": 0,
        "FR1-2026-000003": 0,
        "FR1-2026-000004": 9000,
        "FR1-2026-000006": 0,
        "FR1-2026-000007": 0,
        "FR1-2026-000008": 600,
    }
    again = w.record()
    assert (again.appended, again.reversed) == (0, 0)


def test_a_returned_payment_reopens_what_it_paid(warehouse: ReceivablesWarehouse) -> None:
    w = warehouse
    w.issue("FR1-2026-000001", "C1", "EUR", 12000)
    w.book("a.xml", Decimal("120.00"), reference=w.payment_reference("FR1-2026-000001"), end_to_end_id="E1")
    w.record()
    assert w.open_minor() == {"FR1-2026-000001": 0}
    w.book("b.xml", Decimal("-120.00"), end_to_end_id="E1", value_date=date(2026, 11, 27))
    returned = w.record()
    assert (returned.appended, returned.reversed) == (0, 1)
    assert w.open_minor() == {"FR1-2026-000001": 12000}
    reversal = w.con.execute(
        "select amount_minor, value_date, reverses_allocation_id from ledger.allocations "
        "where reverses_allocation_id is not null"
    ).fetchall()
    assert reversal == [(-12000, date(2026, 11, 27), "ALC-000001")]
    assert w.outcomes()[w.payment_reference("FR1-2026-000001")][0] == "returned"


def test_a_write_off_closes_a_short_payment_and_no_payment_takes_it_back(
    warehouse: ReceivablesWarehouse,
) -> None:
    w = warehouse
    w.issue("FR1-2026-000001", "C1", "EUR", 12000)
    w.issue("FR1-2026-000002", "C1", "EUR", 50000)
    w.book("a.xml", Decimal("119.90"), reference=w.payment_reference("FR1-2026-000001"), end_to_end_id="E1")
    w.record()
    assert w.open_minor()["FR1-2026-000001"] == 10
    done = write_off(w.con, "FR1-2026-000001", date(2026, 12, 1), "bank fee", "Jane")
    assert done == WriteOff("FR1-2026-000001", "EUR", 10, "bank_fee_tolerance")
    assert write_off(w.con, "FR1-2026-000001", date(2026, 12, 2), "again", "Jane") is None
    # More than the 15.00 tolerance is a bad debt: refused unless said so.
    with pytest.raises(
        LedgerError, match=re.escape("still owes 500.00 EUR, more than the bank-fee tolerance of 15.00 EUR")
    ):
        write_off(w.con, "FR1-2026-000002", date(2026, 12, 1), "gone", "Jane")
    with pytest.raises(LedgerError, match="not an issued invoice"):
        write_off(w.con, "FR1-2026-000009", date(2026, 12, 1), "gone", "Jane")
    bad_debt = write_off(
        w.con, "FR1-2026-000002", date(2026, 12, 1), "insolvent", "Jane", beyond_tolerance=True
    )
    assert bad_debt == WriteOff("FR1-2026-000002", "EUR", 50000, "bad_debt")
    assert w.open_minor() == {"FR1-2026-000001": 0, "FR1-2026-000002": 0}
    statuses = w.con.execute(
        "select invoice_number, receivable_status, written_off_minor, open_minor from marts.fct_receivables "
        "order by 1"
    ).fetchall()
    assert statuses == [
        ("FR1-2026-000001", "written_off", 10, 0),
        ("FR1-2026-000002", "written_off", 50000, 0),
    ]
    # The customer sends the 0.10 after all: the write-off stands and the money is the customer's.
    w.book("b.xml", Decimal("0.10"), text="rest of FR1-2026-000001", value_date=date(2026, 12, 3))
    late = w.record()
    assert (late.appended, late.reversed) == (0, 0)
    assert w.outcomes()["rest of FR1-2026-000001"] == ("unapplied", 0, "payment_document_already_paid")
    # The bank returns the payment: it reopens what it paid, the write-off stays recorded, and
    # the late 0.10 now finds something owed.
    w.book("c.xml", Decimal("-119.90"), end_to_end_id="E1", value_date=date(2026, 12, 4))
    returned = w.record()
    assert (returned.appended, returned.reversed) == (1, 1)
    assert w.open_minor()["FR1-2026-000001"] == 12000 - 10 - 10
    audited = w.con.execute(
        "select subject, detail from ledger.audit_log where action = 'write_off' order by event_id"
    ).fetchall()
    assert [subject for subject, _ in audited] == ["FR1-2026-000001", "FR1-2026-000002"]
    assert '"why": "insolvent"' in audited[1][1]


def _balances(w: ReceivablesWarehouse, account: str) -> int:
    """Debits less credits on one account of the cash journal."""
    row = w.con.execute(
        "select coalesce(sum(debit_minor - credit_minor), 0) from ledger.cash_journal where account_code = ?",
        [account],
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_the_cash_journal_balances_and_its_unapplied_cash_is_the_customers_money(
    warehouse: ReceivablesWarehouse, tmp_path: Path
) -> None:
    w = warehouse
    w.issue("FR1-2026-000001", "C1", "EUR", 12000)
    w.issue("FR1-2026-000002", "C1", "EUR", 5000)
    w.issue("FR1-2026-000003", "C1", "EUR", 3000)
    w.book("a.xml", Decimal("119.90"), reference=w.payment_reference("FR1-2026-000001"), iban=C1_IBAN)
    w.book("a.xml", Decimal("55.00"), text="FR1-2026-000002", iban=C1_IBAN)  # 5.00 over
    w.book("a.xml", Decimal("30.00"), text="FR1-2026-000003", end_to_end_id="E3")
    w.book("a.xml", Decimal("13.00"), text="nobody knows")
    w.book("a.xml", Decimal("10.00"), iban=TREASURY_IBAN, text="tva")  # not a customer's money
    w.record()
    w.book("b.xml", Decimal("-30.00"), end_to_end_id="E3", value_date=date(2026, 11, 27))
    w.record()
    first = record_cash_journal(w.con, date(2026, 12, 31), "test")
    # Four customer credits received, one returned; three payments applied, one reversed.
    assert first == CashBatch("2026-12-31/1", 4 + 1 + 3 + 1, [])
    kinds = dict(
        w.con.execute(
            "select event_kind, count(distinct journal_id) from ledger.cash_journal group by 1"
        ).fetchall()
    )
    assert kinds == {"receipt": 4, "return": 1, "application": 4}
    unbalanced = w.con.execute(
        "select journal_id from ledger.cash_journal group by 1 having sum(debit_minor) <> sum(credit_minor)"
    ).fetchall()
    assert unbalanced == []
    # The bank holds every customer credit not returned; the receivables lost what was applied;
    # unapplied cash holds what the matching left unapplied, entry by entry.
    assert _balances(w, "512100") == 11990 + 5500 + 1300
    assert _balances(w, "411000") == -(11990 + 5000)
    unapplied = w.con.execute(
        "select sum(unapplied_minor) from intermediate.int_receivables__entry_outcomes "
        "where entry_state not in ('non_customer', 'returned')"
    ).fetchone()
    assert unapplied is not None and _balances(w, "419100") == -unapplied[0] == -(500 + 1300)
    assert record_cash_journal(w.con, date(2026, 12, 31), "test") == CashBatch(None, 0, [])
    # A write-off approved later is the next date's batch.
    write_off(w.con, "FR1-2026-000001", date(2027, 1, 5), "bank fee", "Jane")
    assert record_cash_journal(w.con, date(2027, 1, 5), "test") == CashBatch("2027-01-05/1", 1, [])
    assert _balances(w, "627000") == 10 and _balances(w, "411000") == -(11990 + 5000 + 10)

    exports = tmp_path / "exports"
    files = write_cash_exports(w.con, date(2026, 12, 31), exports)
    folder = exports / "cash" / "2026-12-31" / "batch-1"
    assert [path.name for path in files] == [
        "cash_journal.csv",
        "xero_payments.csv",
        "xero_payment_reversals.csv",
    ]
    with (folder / "xero_payments.csv").open(newline="", encoding="utf-8") as handle:
        payments = sorted(
            (row["InvoiceNumber"], row["AccountCode"], row["Amount"]) for row in csv.DictReader(handle)
        )
    assert payments == [
        ("FR1-2026-000001", "512100", "119.90"),
        ("FR1-2026-000002", "512100", "50.00"),
        ("FR1-2026-000003", "512100", "30.00"),
    ]
    with (folder / "xero_payment_reversals.csv").open(newline="", encoding="utf-8") as handle:
        (reversal,) = list(csv.DictReader(handle))
    reversed_reference = w.con.execute(
        "select allocation_id from ledger.allocations where invoice_number = 'FR1-2026-000003' "
        "and reverses_allocation_id is null"
    ).fetchone()
    assert reversed_reference is not None
    assert (reversal["InvoiceNumber"], reversal["Reference"], reversal["Amount"]) == (
        "FR1-2026-000003",
        reversed_reference[0],
        "30.00",
    )
    with (folder / "cash_journal.csv").open(newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == 2 * 9
    assert sum(Decimal(line["debit"]) for line in lines) == sum(Decimal(line["credit"]) for line in lines)
    before = {path: path.read_bytes() for path in files}
    assert write_cash_exports(w.con, date(2026, 12, 31), exports) == files
    assert {path: path.read_bytes() for path in files} == before
    write_cash_exports(w.con, date(2027, 1, 5), exports)
    later = exports / "cash" / "2027-01-05" / "batch-1" / "xero_payments.csv"
    with later.open(newline="", encoding="utf-8") as handle:
        (written_off,) = list(csv.DictReader(handle))
    assert (written_off["AccountCode"], written_off["Amount"]) == ("627000", "0.10")


# --- property test -------------------------------------------------------------------------

CUSTOMERS = ("C1", "C2")
PAYER = {"C1": {"iban": C1_IBAN}, "C2": {"name": "Acme SARL"}}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    documents = draw(
        st.lists(
            st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(["EUR", "SEK"]), st.integers(100, 50_000)),
            min_size=1,
            max_size=4,
        )
    )
    credit_notes = draw(
        st.lists(st.tuples(st.integers(0, len(documents) - 1), st.integers(1, 60_000)), max_size=2)
    )
    payments = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(documents) - 1),
                st.sampled_from(["reference", "text", "two_in_text", "amount", "unknown"]),
                st.sampled_from(["exact", "partial", "over", "fee"]),
                st.booleans(),  # in the document's currency
                st.integers(0, 40),  # days after issue
            ),
            max_size=6,
        )
    )
    returned = draw(st.integers(0, len(documents) - 1))
    return {"documents": documents, "credit_notes": credit_notes, "payments": payments, "returned": returned}


def _number(index: int) -> str:
    return f"FR1-2026-{index + 1:06d}"


def _load(w: ReceivablesWarehouse, scenario: dict[str, object]) -> dict[str, tuple[str, str, int]]:
    documents = {
        _number(i): doc
        for i, doc in enumerate(scenario["documents"])  # type: ignore[arg-type]
    }
    for number, (customer, currency, gross) in documents.items():
        w.issue(number, customer, currency, gross)
    for n, (target, amount) in enumerate(scenario["credit_notes"]):  # type: ignore[arg-type]
        customer, currency, _ = documents[_number(target)]
        w.issue(
            _number(len(documents) + n), customer, currency, -amount,
            document_type="credit_note", original=_number(target),
        )  # fmt: skip
    for n, (target, mode, size, same_currency, days) in enumerate(scenario["payments"]):  # type: ignore[arg-type]
        number = _number(target)
        customer, currency, gross = documents[number]
        minor = {"exact": gross, "partial": gross // 2 + 1, "over": gross + 777, "fee": gross - 7}[size]
        paid_in = currency if same_currency else ("SEK" if currency == "EUR" else "EUR")
        w.book(
            "stmt-1.xml",
            Decimal(minor).scaleb(-2),
            currency=paid_in,
            account="fr1-eur" if paid_in == "EUR" else "fr1-sek-fi",
            value_date=date(2026, 11, 1) + timedelta(days=days),
            reference=w.payment_reference(number) if mode == "reference" else None,
            text={
                "text": f"invoice {number}",
                "two_in_text": f"{number} and {_number((target + 1) % len(documents))}",
            }.get(mode, f"payment {n}"),
            end_to_end_id=f"E2E-{n}",
            **(PAYER[customer] if mode == "amount" else {}),  # type: ignore[arg-type]
        )
    return documents


def _check_conservation(w: ReceivablesWarehouse) -> None:
    """Applied + unapplied = received per currency, and no document is over-allocated."""
    rows = w.con.execute(
        """
        with received as (
            select currency_code, sum(amount_minor) as received, sum(unapplied_minor) as unapplied
            from intermediate.int_receivables__entry_outcomes where entry_state <> 'returned'
            group by currency_code
        ),
        applied as (
            select currency_code, sum(amount_minor) as applied from ledger.allocations
            where allocation_kind = 'payment' group by currency_code
        )
        select received.currency_code, received.received, coalesce(applied.applied, 0), received.unapplied
        from received left join applied on received.currency_code = applied.currency_code
        """
    ).fetchall()
    for currency, received, applied, unapplied in rows:
        assert applied + unapplied == received, currency
    over = w.con.execute(
        """
        select d.invoice_number, d.gross_amount_minor, sum(a.amount_minor)
        from ledger.invoices as d inner join ledger.allocations as a on d.invoice_number = a.invoice_number
        group by d.invoice_number, d.gross_amount_minor
        having sum(a.amount_minor) > d.gross_amount_minor or sum(a.amount_minor) < 0
        """
    ).fetchall()
    assert over == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_matching_conserves_money_never_over_allocates_and_reversals_restore(
    compiled: dict[str, str], scenario: dict[str, object]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        w = ReceivablesWarehouse(Path(folder) / "meterline.duckdb", compiled, PAYERS)
        try:
            documents = _load(w, scenario)
            w.record()
            _check_conservation(w)
            before = w.open_minor()

            # Re-dropping the statement under another name changes nothing.
            w.con.execute(
                "insert into raw.bank_entries select * replace ('stmt-0-again.xml' as _source_file) "
                "from raw.bank_entries where _source_file = 'stmt-1.xml'"
            )
            redropped = w.record()
            assert (redropped.appended, redropped.reversed) == (0, 0)
            assert w.open_minor() == before

            # A payment, then its return: the ledger comes back to exactly the earlier state.
            target = _number(scenario["returned"])  # type: ignore[arg-type]
            _customer, currency, gross = documents[target]
            account = "fr1-eur" if currency == "EUR" else "fr1-sek-fi"
            w.book("stmt-2.xml", Decimal(gross).scaleb(-2), currency=currency, account=account,
                   reference=w.payment_reference(target), end_to_end_id="E2E-RETURNED",
                   value_date=date(2026, 11, 2))  # fmt: skip
            w.record()
            _check_conservation(w)
            w.book("stmt-3.xml", -Decimal(gross).scaleb(-2), currency=currency, account=account,
                   end_to_end_id="E2E-RETURNED", value_date=date(2026, 12, 20))  # fmt: skip
            w.record()
            _check_conservation(w)
            assert w.open_minor() == before
            _check_cash_journal(w)
        finally:
            w.con.close()


def _check_cash_journal(w: ReceivablesWarehouse) -> None:
    """Journaled through unapplied cash, every event balances, the receivables lost exactly the
    payments applied, and unapplied cash holds exactly what the matching left unapplied."""
    assert record_cash_journal(w.con, date(2026, 12, 31), "test").held == []
    rows = w.con.execute(
        """
        with journal as (
            select currency_code,
                sum(debit_minor - credit_minor) filter (where account_role = 'receivable') as receivable,
                sum(debit_minor - credit_minor) filter (where account_role = 'unapplied_cash') as unapplied,
                sum(debit_minor - credit_minor) as total
            from ledger.cash_journal group by currency_code
        ),
        outcomes as (
            select currency_code, sum(unapplied_minor) as unapplied
            from intermediate.int_receivables__entry_outcomes
            where entry_state not in ('returned', 'non_customer') group by currency_code
        ),
        applied as (
            select currency_code, sum(amount_minor) as applied from ledger.allocations
            where allocation_kind = 'payment' group by currency_code
        )
        select journal.currency_code, journal.total, coalesce(journal.receivable, 0),
            coalesce(applied.applied, 0), coalesce(journal.unapplied, 0), coalesce(outcomes.unapplied, 0)
        from journal
        left join outcomes on journal.currency_code = outcomes.currency_code
        left join applied on journal.currency_code = applied.currency_code
        """
    ).fetchall()
    assert rows
    for currency, total, receivable, applied, journal_unapplied, unapplied in rows:
        assert (total, receivable, journal_unapplied) == (0, -applied, -unapplied), currency


def test_receivables_as_of_a_date_statuses_ageing_and_collections(warehouse: ReceivablesWarehouse) -> None:
    """Marts compiled for 2026-12 as of 2027-01-15 (tests/receivables_support.DBT_VARS)."""
    w = warehouse
    documents = {  # number: (gross, issued, due)
        "FR1-2027-000001": (10000, date(2027, 1, 2), date(2027, 2, 1)),  # not yet due
        "FR1-2026-000002": (20000, date(2026, 11, 20), date(2026, 12, 20)),  # 26 days late, 50.00 paid
        "FR1-2026-000003": (30000, date(2026, 10, 11), date(2026, 11, 10)),  # 66 days late
        "FR1-2026-000004": (5000, date(2026, 7, 1), date(2026, 8, 1)),  # 167 days late
        "FR1-2026-000005": (8000, date(2026, 11, 1), date(2026, 12, 1)),  # paid
        "FR1-2027-000006": (6000, date(2027, 1, 2), date(2027, 2, 1)),  # 20.00 paid, not yet due
    }
    for number, (gross, issued, due) in documents.items():
        w.issue(number, "C1", "EUR", gross, issued=issued, due=due)
    w.book("a.xml", Decimal("50.00"), text="FR1-2026-000002", value_date=date(2026, 12, 10))
    w.book("a.xml", Decimal("80.00"), text="FR1-2026-000005", value_date=date(2026, 12, 5))
    w.book("a.xml", Decimal("20.00"), text="FR1-2027-000006", value_date=date(2027, 1, 5))
    w.book("a.xml", Decimal("99.00"), text="FR1-2027-000001", value_date=date(2027, 1, 20))  # after as-of
    w.record()

    statuses = dict(
        w.con.execute(
            "select invoice_number, receivable_status || ':' || open_minor || ':' || days_past_due "
            "from marts.fct_receivables"
        ).fetchall()
    )
    assert statuses == {
        "FR1-2027-000001": "open:10000:0",
        "FR1-2026-000002": "overdue:15000:26",
        "FR1-2026-000003": "overdue:30000:66",
        "FR1-2026-000004": "overdue:5000:167",
        "FR1-2026-000005": "paid:0:45",
        "FR1-2027-000006": "partly_paid:4000:0",
    }
    aged = w.con.execute(
        """
        select open_document_count, current_amount, past_due_1_30_amount, past_due_31_60_amount,
            past_due_61_90_amount, past_due_over_90_amount, open_amount
        from marts.rpt_aged_receivables where customer_id = 'C1' and currency_code = 'EUR'
        """
    ).fetchall()
    assert aged == [(5, Decimal("140.00"), Decimal("150.00"), 0, Decimal("300.00"), Decimal("50.00"),
                     Decimal("640.00"))]  # fmt: skip
    kpis = w.con.execute(
        """
        select expected_amount, collected_amount, customer_credit_count, auto_matched_count,
            auto_matched_share, days_sales_outstanding
        from marts.rpt_collections_kpis where issuing_entity_id = 'FR1' and currency_code = 'EUR'
        """
    ).fetchall()
    # Due in December: 200.00 + 80.00; paid in December: 50.00 + 80.00; DSO 640 / 440 x 90.
    assert kpis == [(Decimal("280.00"), Decimal("130.00"), 2, 2, Decimal("1.0000"), Decimal("130.9"))]
