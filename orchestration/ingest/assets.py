"""One ingest step that loads every new landing file into its raw table."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from orchestration.ingest.layouts import RAW_TABLES
from orchestration.ingest.loader import ingest_landing
from orchestration.receivables.bank_load import load_bank_files
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Warehouse

# The files themselves start the lineage; `wiring/sensors.py` watches them.
LANDING_FILES = AssetSpec(
    AssetKey(["landing", "files"]),
    group_name="landing",
    kinds={"file"},
    description="Files dropped under landing/ by vendors, schedulers, meters and the CRM, read as they are.",
)

RAW_SPECS = [
    AssetSpec(
        ["raw", table], group_name="raw", kinds={"duckdb"}, description=description, deps=[LANDING_FILES]
    )
    for table, description in RAW_TABLES.items()
]


@multi_asset(
    specs=RAW_SPECS, partitions_def=billing_periods, backfill_policy=one_period_per_run, name="landing_files"
)
def landing_files(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
    """Load new or changed landing files verbatim; identical re-drops are no-ops."""
    with warehouse.connect() as con:
        report = ingest_landing(
            con, Path(warehouse.landing_dir), Path(warehouse.seeds_dir), period=context.partition_key
        )
        bank = load_bank_files(con, Path(warehouse.landing_dir))
        counts = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        )
    for source_file, error in sorted({**report.rejected, **bank.rejected}.items()):
        context.log.warning(f"rejected landing file {source_file}: {error}")
    metadata: dict[str, Any] = report.as_metadata()
    for spec in RAW_SPECS:
        table = spec.key.path[-1]
        yield MaterializeResult(
            asset_key=spec.key,
            metadata={**metadata, "rows_in_table": int(counts.get(table, 0))},
        )
