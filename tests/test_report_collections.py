"""The finance report's collections section shows the receivables marts as BI tools read them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from orchestration.exports.report.render import AGEING_BUCKETS, render_report
from orchestration.exports.writer import _close_summary
from tests.e2e_support import PERIOD, DemoMonth
from tests.ledger_support import dbt

AGEING_SQL = """
    select issuing_entity_id, currency_code, customer_id, cast(open_document_count as varchar),
        {buckets}, cast(open_amount as varchar)
    from marts.rpt_aged_receivables where billing_period = ? order by all
"""


def test_the_report_ages_what_the_ledger_has_issued_as_the_marts_do(
    demo_month: DemoMonth, tmp_path: Path
) -> None:
    # The demo's marts were built before its close issued the invoices: build the receivables
    # marts again over the closed ledger, as the next run would.
    deployment = demo_month.copy_to(tmp_path / "deployment")
    dbt_vars = json.dumps({"billing_period": PERIOD})
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
    assert ageing, "the closed demo month's invoices are open receivables"
    assert untied == []

    section = html[html.index('<h2 id="collections">') :]
    rows = [
        re.findall(r"<td(?: class=\"num\")?>([^<]*)</td>", row)
        for row in re.findall(r"<tr>(<td.*?)</tr>", section.split("</table>")[0])
    ]
    assert sorted(tuple(row) for row in rows) == sorted(ageing)
    for currency in {row[1] for row in ageing}:
        assert f'id="chart-ageing-{currency}"' in section or f"ageing-{currency}" in section
    assert section.count("<svg") == len({row[1] for row in ageing})
