"""Period close and the finance exports, as Dagster assets of the `period_close` job.

`ledger/exception_statuses` (exception_statuses.py) first rebuilds the exception marts when a
waiver recorded for the close is not shown yet; `ledger/period_close` then re-runs the gates,
checks blocking exceptions and freezes the period into the ledger; `exports/invoice_export`
writes the period's files from that frozen ledger. They call the same functions as
`meterline close`.
"""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.close.exception_statuses import EXCEPTION_STATUSES_KEY
from orchestration.close.readiness import assess, gate_outcomes
from orchestration.close.snapshot import CloseRefusedError, close_period, existing_close
from orchestration.close.verify import LedgerTamperedError, refuse_if_tampered
from orchestration.exports.metadata import export_metadata
from orchestration.exports.views import EXPORT_MODELS, MODELS_SCHEMA, ExportRefusedError
from orchestration.exports.writer import write_exports
from orchestration.gates.suites import suite_names
from orchestration.wiring.dbt_assets import dbt_key
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import Gates, Warehouse
from orchestration.wiring.warehouse_setup import ensure_ledger

CLOSE_INPUTS = [
    "fct_invoice_lines",
    "fct_invoices",
    "fct_billing_exceptions",
    "dim_customers",
    "fct_focus_costs",
]
PERIOD_CLOSE_KEY = AssetKey(["ledger", "period_close"])


class CloseConfig(Config):
    closed_by: str = "meterline scheduler"


@asset(
    key=PERIOD_CLOSE_KEY,
    group_name="ledger",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    # After the exception marts show the waivers recorded for this close.
    deps=[*(dbt_key("marts", name) for name in CLOSE_INPUTS), EXCEPTION_STATUSES_KEY],
    kinds={"duckdb"},
)
def period_close(
    context: AssetExecutionContext, config: CloseConfig, warehouse: Warehouse, gates: Gates
) -> MaterializeResult:
    """Close the period: gates pass, no open blocking exception; numbers, snapshot and hashes.

    The gate process starts with the run, so GX is imported while the exception marts rebuild;
    it validates here, once no connection is open for write."""
    period = context.partition_key
    with warehouse.connect() as con:
        ensure_ledger(con)
        already = existing_close(con, period)
    # A closed period stays closed whatever the marts hold now: no need to judge them again.
    outcomes = (
        {} if already else gate_outcomes(gates.run_suites(Path(warehouse.duckdb_path), period, suite_names()))
    )
    with warehouse.connect() as con:
        try:
            # A new close chains onto the previous ones: never onto a ledger that was tampered with,
            # nor while an exported file differs from what the ledger wrote.
            refuse_if_tampered(con, Path(warehouse.exports_dir))
            record = close_period(
                con, period, assess(con, period, outcomes), config.closed_by, context.run_id
            )
        except (CloseRefusedError, LedgerTamperedError) as refused:
            raise Failure(description=str(refused)) from None
        totals = con.execute(
            """
            select currency_code, count(*), sum(gross_amount_minor), any_value(minor_units)
            from ledger.invoices where billing_period = ? group by currency_code order by currency_code
            """,
            [period],
        ).fetchall()
    return MaterializeResult(
        metadata={
            "close_id": record.close_id,
            "already_closed": record.already_closed,
            "content_sha256": record.content_sha256,
            "documents": record.document_count,
            "closing_run_id": record.run_id,
            "code_version": record.code_version,
            # Documents and gross per currency, in minor units (exact; no float on the way).
            "totals_by_currency": MetadataValue.json(
                {
                    currency: {"documents": count, "gross_amount_minor": int(gross), "minor_units": units}
                    for currency, count, gross, units in totals
                }
            ),
        }
    )


@asset(
    key=["exports", "invoice_export"],
    group_name="exports",
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    # The export models are views over the ledger: listed for the lineage, read at export time.
    deps=[PERIOD_CLOSE_KEY, *(dbt_key(MODELS_SCHEMA, model) for model in EXPORT_MODELS.values())],
    kinds={"csv", "parquet", "json"},
)
def invoice_export(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Xero, QuickBooks, GL journal, Parquet/JSON, evidence and FOCUS files of the closed period."""
    period = context.partition_key
    with warehouse.connect(read_only=True) as con:
        try:
            # Rewriting this period's exports restores any edited file of it from the ledger.
            refuse_if_tampered(con, Path(warehouse.exports_dir), restoring=period)
        except LedgerTamperedError as tampered:
            raise Failure(description=str(tampered)) from None
        try:
            manifest = write_exports(con, period, Path(warehouse.exports_dir))
        except ExportRefusedError as refused:
            raise Failure(description=str(refused)) from None
    return MaterializeResult(metadata=export_metadata(manifest, Path(warehouse.exports_dir) / period))
