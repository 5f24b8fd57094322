"""The published copy of a period's marts, written once its run has passed every gate."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.exports.publish import CATALOG, publish_period
from orchestration.wiring.dbt_assets import meterline_dbt_models
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Warehouse

# Every mart: a failed build or a failed blocking gate on any of them skips the publication,
# so readers keep the last good copy of the month.
MART_KEYS = sorted((key for key in meterline_dbt_models.keys if key.path[0] == "marts"), key=str)


@asset(
    key=["published", "marts"],
    group_name="published",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    deps=MART_KEYS,
    kinds={"parquet", "duckdb"},
)
def published_marts(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """The period's marts as Parquet under published/<period>/ and the readers' catalog
    published/meterline.duckdb (views over every published month), both swapped atomically."""
    period = context.partition_key
    published_dir = Path(warehouse.published_dir)
    with warehouse.connect(read_only=True) as con:
        rows = publish_period(con, period, published_dir)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(published_dir / period)),
            "catalog": MetadataValue.path(str(published_dir / CATALOG)),
            "rows": MetadataValue.json(rows),
        }
    )
