"""Dunning stages and the suspension hand-off on the closed demo month, evaluated at chosen dates.

The demo's invoices are issued on 2026-11-01 and due on 2026-12-01 with nothing paid, so each
date below puts them at a known distance from their due date. Expected stages are computed here
from the policy seeds and the ledger itself, not from the models under test.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb

from tests.conftest import SEEDS_DIR
from tests.e2e_support import PERIOD, DemoMonth
from tests.ledger_support import dbt

DATES = (date(2026, 12, 5), date(2026, 12, 10), date(2027, 1, 20))

# Documents sent to customers (held ones are not), as the ledger holds them.
SENT_SQL = """
    select invoice_number, customer_id, currency_code, gross_amount_minor, due_date
    from ledger.invoices as invoices
    where billing_period = ? and document_type in ('invoice', 'debit_note')
        and (approval_reasons = '' or exists (
            select 1 from ledger.approvals where approvals.invoice_number = invoices.invoice_number))
"""


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / "receivables" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected_stages(sent: list[tuple[str, str, str, int, date]], as_of: date) -> dict[str, tuple[str, int]]:
    stages = _seed("dunning_stages")
    minimums = {
        (row["segment"], row["currency_code"]): int(row["minimum_overdue_minor"])
        for row in _seed("dunning_minimums")
    }
    segments = {row["customer_id"]: row["segment"] for row in _seed("dunning_segments")}
    overdue = [doc for doc in sent if (as_of - doc[4]).days > 0]
    owed: dict[tuple[str, str], int] = {}
    for _, customer, currency, gross, _ in overdue:
        owed[(customer, currency)] = owed.get((customer, currency), 0) + gross
    expected = {}
    for number, customer, currency, _, due in overdue:
        segment, days = segments.get(customer, "standard"), (as_of - due).days
        reached = [
            (int(row["stage_order"]), row["stage"])
            for row in stages
            if row["segment"] == segment and days >= int(row["days_after_due"])
        ]
        stage = (
            max(reached)[1]
            if reached and owed[(customer, currency)] >= minimums.get((segment, currency), 0)
            else "none"
        )
        expected[number] = (stage, days)
    return expected


def test_stages_and_suspensions_follow_the_policy_at_each_date(demo_month: DemoMonth, tmp_path: Path) -> None:
    deployment = demo_month.copy_to(tmp_path / "deployment")
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        sent = con.execute(SENT_SQL, [PERIOD]).fetchall()
    assert len(sent) >= 4

    seen: dict[date, dict[str, tuple[str, int]]] = {}
    for as_of in DATES:
        dbt_vars = json.dumps({"billing_period": PERIOD, "as_of_date": as_of.isoformat()})
        built = dbt(
            deployment.duckdb_path,
            tmp_path / "dbt",
            "build",
            "--select",
            "path:models/marts/receivables",
            "--vars",
            dbt_vars,
        )
        assert built.returncode == 0, built.stdout[-4000:]
        with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
            actual = con.execute(
                "select invoice_number, dunning_stage, days_past_due from marts.fct_dunning_stages "
                "where billing_period = ?",
                [PERIOD],
            ).fetchall()
            suspended = set(
                con.execute(
                    "select customer_id, subject_type, subject_id from marts.rpt_suspensions "
                    "where billing_period = ?",
                    [PERIOD],
                ).fetchall()
            )
            assigned = set(
                con.execute(
                    """
                    select customer_id, subject_type, subject_id from staging.stg_reference__assignments
                    where quarantine_reason is null and effective_from_at <= cast(? as timestamp)
                        and (effective_to_at is null or effective_to_at > cast(? as timestamp))
                    """,
                    [as_of, as_of],
                ).fetchall()
            )
        seen[as_of] = {number: (stage, days) for number, stage, days in actual}
        expected = _expected_stages(sent, as_of)
        assert seen[as_of] == expected, as_of
        at_suspension = {
            customer for number, customer, *_ in sent if expected.get(number, ("",))[0] == "suspension"
        }
        assert suspended == {row for row in assigned if row[0] in at_suspension}, as_of

    # Overdue but within the grace days, then the first reminders, then machines to pause.
    assert seen[DATES[0]] and {stage for stage, _ in seen[DATES[0]].values()} == {"none"}
    assert {stage for stage, _ in seen[DATES[1]].values()} == {"reminder"}
    assert "suspension" in {stage for stage, _ in seen[DATES[2]].values()} and suspended
