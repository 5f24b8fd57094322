"""The demo month gets paid: the bank statements `meterline demo statements` writes go through
the real daily dunning job and the real November billing run, and every entry's outcome and
allocations, every document's status, ageing and dunning stage, and every receivables exception
equal the truth the writer recorded (orchestration/demo/statements.py); re-dropping a
statement and evaluating the same day again changes nothing."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from typing import Any

import duckdb
import pytest

from tests.e2e_support import PERIOD, DemoMonth, Deployment

AS_OF = "2026-12-31"
NEXT_PERIOD = "2026-11"

OUTCOMES_SQL = """
select entries.bank_reference, outcomes.entry_id, outcomes.entry_state, outcomes.reason_code
from intermediate.int_receivables__entry_outcomes as outcomes
inner join staging.stg_bank__entries as entries using (source_file, source_row)
"""
# What the ledger holds (appended allocations net of their reversals) per entry and document.
ALLOCATIONS_SQL = """
select source_reference, invoice_number, match_rule, sum(amount_minor) as amount_minor
from ledger.allocations where allocation_kind = 'payment'
group by all having sum(amount_minor) <> 0
"""
DOCUMENTS_SQL = """
select receivables.invoice_number, receivables.receivable_status, receivables.open_minor,
    receivables.days_past_due, stages.dunning_stage
from marts.fct_receivables as receivables
left join marts.fct_dunning_stages as stages
    on receivables.billing_period = stages.billing_period
    and receivables.invoice_number = stages.invoice_number
where receivables.billing_period = ? and receivables.as_of_date = ?
"""
AGEING_SQL = """
select customer_id, currency_code, current_amount, past_due_1_30_amount, past_due_31_60_amount,
    past_due_61_90_amount, past_due_over_90_amount
from marts.rpt_aged_receivables where billing_period = ?
"""
BUCKETS = ("current", "past_due_1_30", "past_due_31_60", "past_due_61_90", "past_due_over_90")


@dataclass(frozen=True)
class Paid:
    deployment: Deployment
    truth: dict[str, Any]
    outputs: dict[str, tuple[int, str, str]]
    first: dict[str, Any]
    again: dict[str, Any]
    exceptions: set[tuple[str, str]]


def _state(deployment: Deployment) -> dict[str, Any]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return {
            "outcomes": sorted(con.execute(OUTCOMES_SQL).fetchall()),
            "allocations": sorted(con.execute(ALLOCATIONS_SQL).fetchall()),
            "ledger_allocations": con.execute("select count(*) from ledger.allocations").fetchone(),
            "documents": sorted(con.execute(DOCUMENTS_SQL, [NEXT_PERIOD, AS_OF]).fetchall()),
            "ageing": sorted(con.execute(AGEING_SQL, [NEXT_PERIOD]).fetchall()),
            "stage_changes": con.execute("select count(*) from ledger.dunning_stage_changes").fetchone(),
            "copies": con.execute(
                "select bank_reference, count(*), count(*) filter (where not is_duplicate) "
                "from staging.stg_bank__entries group by bank_reference"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def paid(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Paid:
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("paid") / "deployment")
    outputs: dict[str, tuple[int, str, str]] = {}

    def step(name: str, *args: str) -> None:
        done = deployment.meterline(*args)
        outputs[name] = (done.returncode, done.stdout, done.stderr)
        assert done.returncode == 0, f"{name}: {done.stdout[-3000:]}{done.stderr[-3000:]}"

    step("statements", "demo", "statements", "--period", PERIOD, "--out", str(deployment.root))
    truth = json.loads((deployment.truth_dir / "receivables.json").read_text(encoding="utf-8"))
    # The daily evaluation reads the statements, records the matching and dunns.
    step("dunning", "dunning", "--as-of", AS_OF, "--by", "Credit Controller")
    first = _state(deployment)
    # The November billing run raises the month's receivables exceptions in the queue.
    step("november", "run", "--period", NEXT_PERIOD)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        exceptions = set(
            con.execute(
                "select reason_code, subject_id from marts.fct_billing_exceptions "
                "where billing_period = ? and source_system = 'bank'",
                [NEXT_PERIOD],
            ).fetchall()
        )
    # The bank sends the dollar statement again under another name; the same day is evaluated again.
    bank = deployment.root / "landing" / "bank" / "us1-usd"
    shutil.copy(bank / "2026-11.sta", bank / "2026-11-resent.sta")
    step("again", "dunning", "--as-of", AS_OF, "--by", "Credit Controller")
    return Paid(deployment, truth, outputs, first, _state(deployment), exceptions)


def test_every_credit_ends_where_truth_says_with_its_allocations(paid: Paid) -> None:
    outcomes = {reference: (state, reason) for reference, _, state, reason in paid.first["outcomes"]}
    entry_ids = {reference: entry_id for reference, entry_id, _, _ in paid.first["outcomes"]}
    expected = {e["bank_reference"]: (e["entry_state"], e["reason_code"]) for e in paid.truth["entries"]}
    assert {reference: outcomes.get(reference) for reference in expected} == expected
    # Nothing else came in as money: the return is a debit, not a credit outcome.
    assert set(outcomes) == set(expected)
    allocated = {
        (source, invoice, rule, amount) for source, invoice, rule, amount in paid.first["allocations"]
    }
    assert allocated == {
        (entry_ids[entry["bank_reference"]], each["invoice_number"], each["match_rule"], each["amount_minor"])
        for entry in paid.truth["entries"]
        for each in entry["allocations"]
    }


def test_documents_statuses_ageing_and_stages_equal_truth(paid: Paid) -> None:
    documents = {
        number: {"status": status, "open_minor": open_minor, "days_past_due": days, "dunning_stage": stage}
        for number, status, open_minor, days, stage in paid.first["documents"]
    }
    expected = {
        number: {key: row[key] for key in ("status", "open_minor", "days_past_due", "dunning_stage")}
        for number, row in paid.truth["documents"].items()
    }
    assert documents == expected
    # Ageing: each customer's open amount sits in the bucket of its documents' days past due.
    owed: Counter[tuple[str, str]] = Counter()
    with duckdb.connect(str(paid.deployment.duckdb_path), read_only=True) as con:
        customers = dict(con.execute("select invoice_number, customer_id from ledger.invoices").fetchall())
        units = dict(con.execute("select currency_code, minor_units from policy.currencies").fetchall())
    for number, row in paid.truth["documents"].items():
        if row["ageing_bucket"]:
            owed[(customers[number], row["ageing_bucket"])] += row["open_minor"]
    aged = {
        (customer, bucket): round(amount * 10 ** units[currency])
        for customer, currency, *amounts in paid.first["ageing"]
        for bucket, amount in zip(BUCKETS, amounts, strict=True)
        if amount
    }
    assert aged == dict(owed)


def test_every_payment_defect_raises_its_reason_code_and_nothing_else(paid: Paid) -> None:
    entry_ids = {reference: entry_id for reference, entry_id, _, _ in paid.first["outcomes"]}
    expected = {
        (entry["reason_code"], entry_ids[entry["bank_reference"]])
        for entry in paid.truth["entries"]
        if entry["reason_code"]
    } | {(reason, number) for number, reason in paid.truth["document_exceptions"].items()}
    # Precision and recall of 100%: the queue holds exactly these.
    assert paid.exceptions == expected
    assert {reason for reason, _ in expected} == {
        "payment_overpaid",
        "payment_unidentified",
        "short_payment_write_off_proposed",
    }


def test_an_entry_in_two_statements_is_one_payment(paid: Paid) -> None:
    copies = {reference: (seen, kept) for reference, seen, kept in paid.first["copies"]}
    for duplicate in paid.truth["duplicates"]:
        assert copies[duplicate["bank_reference"]] == (duplicate["copies"], 1)


def test_redropping_a_statement_and_evaluating_again_changes_nothing(paid: Paid) -> None:
    for key in ("outcomes", "allocations", "ledger_allocations", "documents", "ageing", "stage_changes"):
        assert paid.again[key] == paid.first[key], key
    # The resent file's entries are all duplicates of the first file's.
    again = {reference: (seen, kept) for reference, seen, kept in paid.again["copies"]}
    assert all(kept == 1 for _, kept in again.values())
    assert again["US1-B2611250002"] == (2, 1)


def test_the_evaluation_prints_a_receivables_summary(paid: Paid) -> None:
    _, printed, _ = paid.outputs["dunning"]
    assert "bank files read: 7 new" in printed
    assert (
        "bank credits so far: applied 3, non_customer 1, partly_applied 1, returned 1, unapplied 1" in printed
    )
    assert "unapplied cash: 220.00 USD" in printed
    # open: the SEK bank fee kept by the payer's bank, and CUST-ID01's invoice (3600.00 net + 431.99
    # tax = 4031.99 USD) less the 1000.00 USD the payment service passed on for it
    assert "documents sent: overdue 2, paid 3; open: 45.00 SEK, 3031.99 USD" in printed
    _, printed_again, _ = paid.outputs["again"]
    assert "bank files read: 1 new" in printed_again
