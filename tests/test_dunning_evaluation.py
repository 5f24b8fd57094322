"""Dunning evaluated by `meterline dunning --as-of` (the real `daily_dunning` Dagster job) on a copy
of the closed demo month: the stage changes recorded in the ledger, the suspensions hand-off
files, a payment lifting a suspension, idempotent re-runs and refused dates; and the daily
schedule's request.

The demo's invoices are issued on 2026-11-01 and due on 2026-12-01, nothing paid. Expected
stages come from the policy seeds and the ledger (tests/dunning_policy.py), not from the models.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pytest
from dagster import RunRequest, build_schedule_context, validate_run_config

from orchestration.wiring.jobs import daily_dunning_schedule
from tests.dunning_policy import ASSIGNED_SQL, SENT_SQL, Sent, expected_stages
from tests.e2e_support import PERIOD, DemoMonth, Deployment, folder_digest

FIRST, SUSPENDED, PAID = date(2026, 12, 10), date(2027, 1, 20), date(2027, 1, 26)
CHANGES_SQL = """
    select as_of_date, invoice_number, from_stage, to_stage, rule, open_minor
    from ledger.dunning_stage_changes order by change_id
"""
HANDOFF_HEADER = [
    "as_of_date", "action", "customer_id", "subject_type", "subject_id", "assignment_id",
    "invoice_numbers", "oldest_due_date",
]  # fmt: skip


@dataclass
class Evaluated:
    deployment: Deployment
    sent: list[Sent]
    paid_invoice: str
    outputs: dict[str, tuple[int, str, str]]
    changes: dict[str, list[tuple[object, ...]]]
    handoffs: dict[str, dict[str, str]]
    receivables: set[str]


def _handoff(deployment: Deployment, as_of: date) -> tuple[list[dict[str, str]], dict[str, object]]:
    folder = deployment.exports_dir / "suspensions"
    with (folder / f"{as_of}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HANDOFF_HEADER
        rows = list(reader)
    return rows, json.loads((folder / f"{as_of}.json").read_text(encoding="utf-8"))


def _assigned(deployment: Deployment, as_of: date) -> set[tuple[str, str, str]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return set(con.execute(ASSIGNED_SQL, [as_of, as_of]).fetchall())


@pytest.fixture(scope="module")
def evaluated(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("dunning") / "deployment")
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        sent = con.execute(SENT_SQL, [PERIOD]).fetchall()
    outputs: dict[str, tuple[int, str, str]] = {}
    changes: dict[str, list[tuple[object, ...]]] = {}
    handoffs: dict[str, dict[str, str]] = {}

    def evaluate(step: str, *args: str) -> None:
        done = deployment.meterline("dunning", *args, "--by", "Credit Controller")
        outputs[step] = (done.returncode, done.stdout, done.stderr)
        with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
            changes[step] = con.execute(CHANGES_SQL).fetchall()
        handoffs[step] = folder_digest(deployment.exports_dir / "suspensions")

    evaluate("first", "--as-of", FIRST.isoformat())
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        receivables = {
            row[0]
            for row in con.execute(
                "select invoice_number from marts.fct_receivables where billing_period = ?", ["2026-11"]
            ).fetchall()
        }
    evaluate("suspended", "--as-of", SUSPENDED.isoformat())
    evaluate("again", "--as-of", SUSPENDED.isoformat())
    evaluate("earlier", "--as-of", "2027-01-01")
    evaluate("malformed", "--as-of", "2027-13-01")
    # The bank pays one suspended document in full on 2027-01-25: the allocation the matching
    # records for such a payment (its own tests cover how it gets there).
    paid_invoice = min(number for number, *_ in sent)
    with duckdb.connect(str(deployment.duckdb_path)) as con:
        con.execute(
            """
            insert into ledger.allocations
            select 'ALC-900001', 'payment:TEST:' || invoice_number, 'payment', 'TEST', invoice_number,
                issuing_entity_id, customer_id, currency_code, gross_amount_minor, 'structured_reference',
                date '2027-01-25', null, 'test', now()
            from ledger.invoices where invoice_number = ?
            """,
            [paid_invoice],
        )
    evaluate("paid", "--as-of", PAID.isoformat())
    return Evaluated(deployment, sent, paid_invoice, outputs, changes, handoffs, receivables)


def test_each_evaluation_records_the_stages_the_policy_gives(evaluated: Evaluated) -> None:
    for step in ("first", "suspended", "again", "paid"):
        assert evaluated.outputs[step][0] == 0, evaluated.outputs[step]
    first = {number: stage for _, number, _, stage, _, _ in evaluated.changes["first"]}
    assert first == {number: stage for number, (stage, _) in expected_stages(evaluated.sent, FIRST).items()}
    assert set(first.values()) == {"reminder"}
    # Held documents were never sent: they are not receivables, so never dunned.
    assert evaluated.receivables == {number for number, *_ in evaluated.sent}
    later = evaluated.changes["suspended"][len(evaluated.changes["first"]) :]
    expected = expected_stages(evaluated.sent, SUSPENDED)
    assert {(number, before, after) for _, number, before, after, _, _ in later} == {
        (number, "reminder", stage) for number, (stage, _) in expected.items()
    }
    assert {rule for *_, rule, _ in later} == {"dunning_stages:standard/suspension"}
    stdout = evaluated.outputs["suspended"][1]
    assert "overdue documents by stage: suspension" in stdout
    assert str(evaluated.deployment.exports_dir / "suspensions" / "2027-01-20.csv") in stdout


def test_the_handoff_lists_what_is_assigned_to_the_suspended_customers(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    rows, document = _handoff(deployment, SUSPENDED)
    customers = {customer for _, customer, *_ in evaluated.sent}
    assert {(row["customer_id"], row["subject_type"], row["subject_id"]) for row in rows} == {
        subject for subject in _assigned(deployment, SUSPENDED) if subject[0] in customers
    }
    assert {row["action"] for row in rows} == {"suspend"}
    assert document["as_of_date"] == SUSPENDED.isoformat() and document["lift"] == []
    suspend = document["suspend"]
    assert isinstance(suspend, list)
    assert sorted(
        (entry["customer_id"], subject["subject_type"], subject["subject_id"])
        for entry in suspend
        for subject in entry["subjects"]
    ) == sorted((row["customer_id"], row["subject_type"], row["subject_id"]) for row in rows)
    first_rows, first_document = _handoff(deployment, FIRST)
    assert first_rows == [] and first_document["suspend"] == [] and first_document["lift"] == []


def test_a_payment_lifts_the_suspension_of_its_customer_only(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    before = len(evaluated.changes["again"])
    moved = evaluated.changes["paid"][before:]
    assert [(number, was, now, rule, open_minor) for _, number, was, now, rule, open_minor in moved] == [
        (evaluated.paid_invoice, "suspension", "none", "settled", 0)
    ]
    customer = next(customer for number, customer, *_ in evaluated.sent if number == evaluated.paid_invoice)
    rows, document = _handoff(deployment, PAID)
    lifted = {
        (row["customer_id"], row["subject_type"], row["subject_id"])
        for row in rows
        if row["action"] == "lift"
    }
    assert lifted == {subject for subject in _assigned(deployment, PAID) if subject[0] == customer}
    assert lifted and customer not in {row["customer_id"] for row in rows if row["action"] == "suspend"}
    lift = document["lift"]
    assert isinstance(lift, list) and [entry["customer_id"] for entry in lift] == [customer]
    assert f"lift: {customer}" in evaluated.outputs["paid"][1]


def test_evaluating_a_date_again_changes_nothing_and_earlier_dates_are_refused(evaluated: Evaluated) -> None:
    assert evaluated.changes["again"] == evaluated.changes["suspended"]
    assert evaluated.handoffs["again"] == evaluated.handoffs["suspended"]
    returncode, _, stderr = evaluated.outputs["earlier"]
    assert returncode == 1 and "already evaluated as of 2027-01-20" in stderr
    assert evaluated.changes["earlier"] == evaluated.changes["again"]
    returncode, _, stderr = evaluated.outputs["malformed"]
    assert returncode == 2 and "--as-of" in stderr and stderr.count("\n") == 1


def test_the_daily_schedule_evaluates_its_own_day() -> None:
    from orchestration.definitions import defs

    tick = datetime(2026, 12, 15, 7, 0, tzinfo=UTC)
    request = daily_dunning_schedule(build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(request, RunRequest) and request.run_key == "2026-12-15"
    config = request.run_config["ops"]["receivables__dunning"]["config"]
    assert config == {"as_of_date": "2026-12-15", "evaluated_by": "schedule daily_dunning"}
    assert validate_run_config(defs.resolve_job_def("daily_dunning"), request.run_config)
