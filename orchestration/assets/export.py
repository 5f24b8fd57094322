"""The invoice export for one period, materialised only after every blocking gate passed."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import dbt_key
from orchestration.checks import gate_check_name
from orchestration.exports import write_exports
from orchestration.gates.suites import load_suite, suite_names
from orchestration.partitions import billing_periods, one_period_per_run
from orchestration.resources import Warehouse

GATED_RELATIONS = [str(load_suite(suite)["relation"]) for suite in suite_names()]


@asset(
    key=["exports", "invoice_export"],
    group_name="exports",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    deps=[dbt_key(*relation.split(".")) for relation in GATED_RELATIONS],
    kinds={"csv", "parquet"},
)
def invoice_export(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Invoice lines and invoices as CSV and Parquet plus a SHA-256 manifest in exports/<period>/."""
    period = context.partition_key
    with warehouse.connect(read_only=True) as con:
        manifest = write_exports(
            con, period, Path(warehouse.exports_dir), [gate_check_name(s) for s in suite_names()]
        )
    folder = Path(warehouse.exports_dir) / period
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(folder)),
            "files": MetadataValue.json(manifest["files"]),
            "inputs_sha256": str(manifest["inputs_sha256"]),
        }
    )
