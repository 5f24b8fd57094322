"""Dispute evidence packs for one period, written once the reconciliation marts are built."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.wiring.dbt_assets import dbt_key
from orchestration.exports.evidence import write_dispute_packs
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Warehouse


@asset(
    key=["exports", "dispute_evidence"],
    group_name="disputes",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    deps=[
        dbt_key("marts", "fct_vendor_reconciliation"),
        dbt_key("marts", "fct_vendor_reconciliation_lines"),
        dbt_key("marts", "fct_billing_exceptions"),
    ],
    kinds={"csv", "json"},
)
def dispute_evidence(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """One CSV + JSON evidence pack per vendor discrepancy in exports/<period>-disputes/."""
    period = context.partition_key
    with warehouse.connect(read_only=True) as con:
        index = write_dispute_packs(con, period, Path(warehouse.exports_dir))
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(Path(warehouse.exports_dir) / f"{period}-disputes")),
            "pack_count": int(index["pack_count"]),
        }
    )
