"""Receivables of the closed demo month evaluated at chosen dates: dunning stages, the suspension
hand-off, and the finance report's collections section.

The demo's invoices are issued on 2026-11-01 and due on 2026-12-01 with nothing paid, so each
date below puts them at a known distance from their due date. Expected stages are computed here
from the policy seeds and the ledger itself, not from the models under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pytest

from orchestration.exports.report.render import AGEING_BUCKETS, render_report
from orchestration.exports.writer import _close_summary
from tests.dbt_support import dbt
from tests.dunning_policy import ASSIGNED_SQL, SENT_SQL, Sent, expected_stages
from tests.e2e_support import PERIOD, DemoMonth, Deployment

DATES = (date(2026, 12, 5), date(2026, 12, 10), date(2027, 1, 20))

Row = tuple[object, ...]


@dataclass(frozen=True)
class Evaluated:
    """What the receivables marts held after a build at each date, and the ledger's sent documents."""

    deployment: Deployment
    sent: list[Sent]
    stages: dict[date, dict[str, tuple[str, int]]]
    suspended: dict[date, set[Row]]
    assigned: dict[date, set[Row]]


@pytest.fixture(scope="module")
def evaluated(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    root = tmp_path_factory.mktemp("receivables")
    deployment = demo_month.copy_to(root / "deployment")
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        sent = con.execute(SENT_SQL, [PERIOD]).fetchall()
    stages, suspended, assigned = {}, {}, {}
    for as_of in DATES:
        select = ["--select", "path:models/marts/receivables"]
        built = dbt(deployment.duckdb_path, root / "dbt", "build", *select, period=PERIOD, as_of=as_of)
        assert built.returncode == 0, built.stdout[-4000:]
        with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
            actual = con.execute(
                "select invoice_number, dunning_stage, days_past_due from marts.fct_dunning_stages "
                "where billing_period = ?",
                [PERIOD],
            ).fetchall()
            stages[as_of] = {number: (stage, days) for number, stage, days in actual}
            suspended[as_of] = set(
                con.execute(
                    "select customer_id, subject_type, subject_id from marts.rpt_suspensions "
                    "where billing_period = ? and action = 'suspend'",
                    [PERIOD],
                ).fetchall()
            )
            assigned[as_of] = set(con.execute(ASSIGNED_SQL, [as_of, as_of]).fetchall())
    return Evaluated(deployment, sent, stages, suspended, assigned)


def test_stages_and_suspensions_follow_the_policy_at_each_date(evaluated: Evaluated) -> None:
    assert len(evaluated.sent) >= 4
    for as_of in DATES:
        expected = expected_stages(evaluated.sent, as_of)
        assert evaluated.stages[as_of] == expected, as_of
        at_suspension = {
            customer
            for number, customer, *_ in evaluated.sent
            if expected.get(number, ("",))[0] == "suspension"
        }
        assert evaluated.suspended[as_of] == {
            row for row in evaluated.assigned[as_of] if row[0] in at_suspension
        }
    # Overdue but within the grace days, then the first reminders, then machines to pause.
    first, second, last = (evaluated.stages[as_of] for as_of in DATES)
    assert first and {stage for stage, _ in first.values()} == {"none"}
    assert {stage for stage, _ in second.values()} == {"reminder"}
    assert "suspension" in {stage for stage, _ in last.values()} and evaluated.suspended[DATES[-1]]


AGEING_SQL = """
    select issuing_entity_id, currency_code, customer_id, cast(open_document_count as varchar),
        {buckets}, cast(open_amount as varchar)
    from marts.rpt_aged_receivables where billing_period = ? order by all
"""


def test_the_report_ages_the_receivables_as_the_marts_do(evaluated: Evaluated) -> None:
    """The collections section shows rpt_aged_receivables exactly; at the last date the demo's
    invoices are 31-60 days past due."""
    with duckdb.connect(str(evaluated.deployment.duckdb_path), read_only=True) as con:
        html = render_report(con, PERIOD, _close_summary(con, PERIOD))
        buckets = ", ".join(f"cast({column} as varchar)" for _, column in AGEING_BUCKETS)
        ageing = con.execute(AGEING_SQL.format(buckets=buckets), [PERIOD]).fetchall()
        # The open amount per customer ties out to the open documents of fct_receivables.
        untied = con.execute(
            """
            with documents as (
                select customer_id, currency_code, sum(open_amount) as open_amount
                from marts.fct_receivables where billing_period = $period and open_minor > 0 group by all
            ),
            aged as (
                select customer_id, currency_code, sum(open_amount) as open_amount
                from marts.rpt_aged_receivables where billing_period = $period group by all
            )
            select * from documents full join aged using (customer_id, currency_code)
            where documents.open_amount is distinct from aged.open_amount
            """,
            {"period": PERIOD},
        ).fetchall()
        past_due = con.execute(
            "select sum(past_due_31_60_amount) from marts.rpt_aged_receivables where billing_period = ?",
            [PERIOD],
        ).fetchone()
    assert ageing and untied == []
    assert past_due and past_due[0] > 0

    section = html[html.index('<h2 id="collections">') :]
    rows = [
        re.findall(r"<td(?: class=\"num\")?>([^<]*)</td>", row)
        for row in re.findall(r"<tr>(<td.*?)</tr>", section.split("</table>")[0])
    ]
    assert sorted(tuple(row) for row in rows) == sorted(ageing)
    assert section.count("<svg") == len({row[1] for row in ageing})
