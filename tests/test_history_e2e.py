"""A warehouse of many months: a run of one period replaces that period's rows and no other."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from tests.e2e_support import PERIOD, DemoMonth, Deployment

NEXT = "2026-11"
MARTS = (
    "dim_customers",
    "fct_invoice_lines",
    "fct_invoices",
    "fct_billing_exceptions",
    "fct_vendor_reconciliation",
    "fct_vendor_reconciliation_lines",
    "fct_cost_anomalies",
    "fct_margin",
    "rpt_row_conservation",
    "rpt_reconciliation_kpis",
    "rpt_billing_control_totals",
)


Rows = dict[str, list[tuple[object, ...]]]
SELECT_PERIOD = "select * from marts.{mart} where billing_period = ? order by all"


def _rows_of(deployment: Deployment, period: str) -> Rows:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return {mart: con.execute(SELECT_PERIOD.format(mart=mart), [period]).fetchall() for mart in MARTS}


@dataclass(frozen=True)
class TwoMonths:
    deployment: Deployment
    before: Rows
    october_after: Rows
    november_first: Rows
    november_second: Rows


@pytest.fixture(scope="module")
def two_months(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> TwoMonths:
    """The closed demo month, then the next month run twice on the same warehouse."""
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("history"))
    before = _rows_of(deployment, PERIOD)
    deployment.meterline("run", "--period", NEXT)
    october_after, november_first = _rows_of(deployment, PERIOD), _rows_of(deployment, NEXT)
    deployment.meterline("run", "--period", NEXT)
    return TwoMonths(deployment, before, october_after, november_first, _rows_of(deployment, NEXT))


def test_running_the_next_month_keeps_the_previous_one_untouched(two_months: TwoMonths) -> None:
    assert all(two_months.before[mart] for mart in ("dim_customers", "fct_invoice_lines", "fct_invoices"))
    assert two_months.october_after == two_months.before
    # The next month is in the marts beside it, not instead of it.
    assert two_months.november_first["dim_customers"]
    assert two_months.november_first["rpt_row_conservation"]


def test_rerunning_a_month_replaces_only_its_own_rows_identically(two_months: TwoMonths) -> None:
    assert two_months.november_second == two_months.november_first
    with duckdb.connect(str(two_months.deployment.duckdb_path), read_only=True) as con:
        periods = con.execute("select distinct billing_period from marts.dim_customers").fetchall()
    assert {row[0] for row in periods} == {PERIOD, NEXT}


def test_dagster_shows_one_materialised_partition_per_period(two_months: TwoMonths) -> None:
    home = two_months.deployment.env()["DAGSTER_HOME"]
    with DagsterInstance.from_config(home) as instance:
        materialised = instance.get_materialized_partitions(AssetKey(["marts", "dim_customers"]))
    assert {PERIOD, NEXT} <= set(materialised)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("2026-13", "not a YYYY-MM period"),
        ("2014-12", "before the first billing period 2015-01"),
        ("2999-01", "has not started yet"),
    ],
)
def test_a_period_outside_the_range_is_a_one_line_error(
    demo_month: DemoMonth, argument: str, message: str
) -> None:
    done = demo_month.deployment.meterline("run", "--period", argument)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
