"""The period's exception statuses as the ledger decided them, before the close judges them.

`meterline close --waive-reason-code` records waivers in `ledger.waivers` after the period's
run built the marts, so fct_billing_exceptions (which reads them through stg_ledger__waivers)
and the marts that count its statuses still show those exceptions `open`. This step of the
`period_close` job rebuilds `fct_billing_exceptions+` for the period with the same dbt build
as the billing run, only when a waiver is not shown yet, before the close re-runs the gates
and freezes anything; then it re-publishes the month's copy for readers and the finance
report (written at the close's first export) counts the waived exceptions as decided. A later
run of the period reads the same ledger, so it gives the same rows.
"""

from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset

from orchestration.close.ledger import is_closed
from orchestration.close.readiness import marts_hold_period
from orchestration.exports.publish import publish_period
from orchestration.wiring.dbt_assets import dbt_key
from orchestration.wiring.dbt_project import WITHOUT_ARTIFACTS, meterline_dbt_project
from orchestration.wiring.dbt_warehouse import dbt_run_parameters
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import MeterlineDbt, Warehouse
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.warehouse_setup import ensure_ledger

EXCEPTION_STATUSES_KEY = AssetKey(["ledger", "exception_statuses"])
# The exception queue and every mart that reads it (rpt_reconciliation_kpis, rpt_finance__*,
# rpt_period_completeness), with their data tests; unit tests run in the test suite.
REBUILT = [
    "build",
    "--select",
    "fct_billing_exceptions+",
    "--exclude-resource-type",
    "unit_test",
    *WITHOUT_ARTIFACTS,
]


def waivers_to_apply(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[str, str]]:
    """(waiver_id, exception_id) of the period's waivers the marts do not show yet; none for a
    closed period (nothing is waived after a close) or one the marts hold no draft of."""
    if is_closed(con, period) or not marts_hold_period(con, period):
        return []
    return con.execute(sql_file(__file__, "waivers_to_apply"), {"period": period}).fetchall()


@asset(
    key=EXCEPTION_STATUSES_KEY,
    group_name="ledger",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    deps=[AssetKey(["ledger", "waivers"]), dbt_key("marts", "fct_billing_exceptions")],
    kinds={"dbt", "duckdb"},
)
def exception_statuses(
    context: AssetExecutionContext, warehouse: Warehouse, dbt: MeterlineDbt
) -> MaterializeResult:
    """Rebuild fct_billing_exceptions and the marts downstream of it for the period when a
    recorded waiver is not shown yet, and re-publish the month's copy for readers."""
    period = context.partition_key
    with warehouse.connect() as con:
        ensure_ledger(con)
        pending = waivers_to_apply(con, period)
    if not pending:
        return MaterializeResult(metadata={"rebuilt": False, "waivers_applied": 0})
    # dbt writes the warehouse in its own process: no connection is held while it runs.
    with dbt_run_parameters(period):
        built = dbt.invoke(REBUILT, manifest=meterline_dbt_project.manifest_path, raise_on_error=False)
    for line in built.stream_raw_events():
        context.log.debug(str(line))
    if not built.is_successful():
        raise Failure(
            description=f"dbt build of fct_billing_exceptions+ for {period} failed: {built.get_error()}"
        )
    with warehouse.connect(read_only=True) as con:
        still = waivers_to_apply(con, period)
        if still:
            raise Failure(
                description=f"{len(still)} waiver(s) of {period} still not shown after the rebuild: "
                + ", ".join(waiver for waiver, _ in still[:5])
            )
        # Readers of an already published month see the statuses the close decided.
        published_dir = Path(warehouse.published_dir)
        if (published_dir / period).is_dir():
            publish_period(con, period, published_dir)
    return MaterializeResult(
        metadata={
            "rebuilt": True,
            "waivers_applied": len(pending),
            "waiver_ids": MetadataValue.json([waiver for waiver, _ in pending]),
        }
    )
