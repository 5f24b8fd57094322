"""Receivables as Dagster assets: the ledger tables the receivables models read, and the
step that records the matching's allocations in the ledger.

The ledger tables are observable specs (as in orchestration/close/ledger_sources.py): the
models read what earlier steps recorded, so the lineage has no cycle.
"""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset

from orchestration.close.ledger_sources import LEDGER_GROUP
from orchestration.receivables.allocations import record_allocations
from orchestration.wiring.dbt_assets import dbt_key
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Warehouse
from orchestration.wiring.warehouse_setup import ensure_ledger

RECEIVABLES_GROUP = "receivables"

RECEIVABLES_LEDGER_SOURCES = [
    AssetSpec(
        AssetKey(["ledger", name]),
        group_name=LEDGER_GROUP,
        kinds={"duckdb"},
        description=description,
    )
    for name, description in (
        ("invoices", "Every issued document. Written by ledger/period_close and the correction commands."),
        ("payment_references", "The creditor reference issued with each invoice and debit note, at issue."),
        ("allocations", "Append-only allocations of payments and credit notes, by receivables/allocations."),
    )
]


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
