"""Receivables as Dagster assets: the step that records the matching's allocations in the ledger.

The ledger tables it reads and writes are declared with the others in
orchestration/close/ledger_sources.py.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.receivables.allocations import record_allocations
from orchestration.wiring.dbt_assets import dbt_key
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Warehouse
from orchestration.wiring.warehouse_setup import ensure_ledger

RECEIVABLES_GROUP = "receivables"


@asset(
    key=AssetKey(["receivables", "allocations"]),
    group_name=RECEIVABLES_GROUP,
    # Part of each billing run (one job, one partitioning); it records the matching over every
    # bank entry whatever the period, so the marts of the next run read what it appended.
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    deps=[dbt_key("intermediate", "int_receivables__matched")],
    kinds={"duckdb"},
)
def receivables_allocations(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Append the matching's new allocations and the reversals of withdrawn ones to the ledger."""
    with warehouse.connect() as con:
        ensure_ledger(con)
        recorded = record_allocations(con, f"meterline run {context.run_id}")
    return MaterializeResult(metadata={"appended": recorded.appended, "reversed": recorded.reversed})
