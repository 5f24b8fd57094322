"""Receivables as Dagster assets: the step of each billing run that records the matching's
allocations in the ledger, and the dunning evaluation of the `daily_dunning` job.

The ledger tables they read and write are declared with the others in
orchestration/close/ledger_sources.py.
"""

from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Config, Failure, MaterializeResult, MetadataValue, asset

from orchestration.exports.publish import publish_period
from orchestration.receivables.allocations import record_allocations
from orchestration.receivables.bank_load import load_bank_files
from orchestration.receivables.cash_journal import record_cash_journal, write_cash_exports
from orchestration.receivables.dunning import (
    DunningRefusedError,
    evaluation_period,
    evaluation_summary,
    record_stage_changes,
    refuse_before_last,
    write_handoff,
)
from orchestration.receivables.notices import write_notices
from orchestration.wiring.dbt_assets import dbt_key
from orchestration.wiring.dbt_project import WITHOUT_ARTIFACTS, meterline_dbt_project
from orchestration.wiring.dbt_warehouse import dbt_run_parameters
from orchestration.wiring.jobs import DUNNING_GROUP
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.periods import PeriodError
from orchestration.wiring.resources import MeterlineDbt, Warehouse
from orchestration.wiring.warehouse_setup import ensure_ledger

RECEIVABLES_GROUP = "receivables"
RECEIVABLES_MARTS = "path:models/marts/receivables"


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


class DunningConfig(Config):
    as_of_date: str
    evaluated_by: str = "meterline scheduler"


@asset(
    key=AssetKey(["receivables", "dunning"]),
    group_name=DUNNING_GROUP,
    deps=[dbt_key("marts", "fct_dunning_stages"), dbt_key("marts", "rpt_suspensions")],
    kinds={"dbt", "duckdb"},
)
def receivables_dunning(
    context: AssetExecutionContext, config: DunningConfig, warehouse: Warehouse, dbt: MeterlineDbt
) -> MaterializeResult:
    """Evaluate dunning as of a date: load the bank files that arrived and record the matching
    they change (allocations.py), rebuild the receivables marts as of it, record each stage
    change in the ledger, journal the money events first seen and export them to accounting
    (cash_journal.py), write the suspensions hand-off (orchestration/receivables/dunning.py)
    and the day's notices (notices.py)."""
    try:
        as_of = date.fromisoformat(config.as_of_date)
        period = evaluation_period(as_of)
    except (ValueError, PeriodError) as error:
        raise Failure(description=f"as_of_date {config.as_of_date!r}: {error}") from None
    with warehouse.connect() as con:
        ensure_ledger(con)
        try:
            refuse_before_last(con, as_of)
        except DunningRefusedError as refused:
            raise Failure(description=str(refused)) from None
        # The statements that arrived since the last run first, and the matching they change:
        # a customer who paid this morning is not reminded tonight.
        bank = load_bank_files(con, Path(warehouse.landing_dir))
        recorded = record_allocations(con, f"meterline dunning {context.run_id}")
    for source_file, reason in sorted(bank.rejected.items()):
        context.log.warning(f"rejected bank file {source_file}: {reason}")
    # dbt writes the warehouse in its own process: no connection is held while it runs.
    with dbt_run_parameters(period, as_of):
        built = dbt.invoke(
            ["build", "--select", RECEIVABLES_MARTS, *WITHOUT_ARTIFACTS],
            manifest=meterline_dbt_project.manifest_path,
            raise_on_error=False,
        )
    for line in built.stream_raw_events():
        context.log.debug(str(line))
    if not built.is_successful():
        failed = f"dbt build of the receivables marts as of {as_of} failed: {built.get_error()}"
        raise Failure(description=failed)
    recorded_by = f"{config.evaluated_by} (Dagster run {context.run_id})"
    with warehouse.connect() as con:
        changes = record_stage_changes(con, as_of, period, recorded_by)
        cash = record_cash_journal(con, as_of, recorded_by)
        for waiting in cash.held:
            context.log.warning(f"cash journal: {waiting}")
        write_cash_exports(con, as_of, Path(warehouse.exports_dir))
        files = write_handoff(con, as_of, period, Path(warehouse.exports_dir))
        notices = write_notices(con, as_of, period, Path(warehouse.exports_dir))
        summary = evaluation_summary(con, as_of, period, changes, Path(warehouse.exports_dir))
    # Readers of an already published month see its receivables as of this evaluation.
    published_dir = Path(warehouse.published_dir)
    if (published_dir / period).is_dir():
        with warehouse.connect(read_only=True) as con:
            publish_period(con, period, published_dir)
    return MaterializeResult(
        metadata={
            "as_of_date": as_of.isoformat(),
            "billing_period": period,
            "stages": MetadataValue.json(summary.stages),
            "stage_changes": changes,
            "suspend": MetadataValue.json(dict(summary.suspend)),
            "lift": MetadataValue.json(dict(summary.lift)),
            "handoff": MetadataValue.path(str(files[0])),
            "notices": MetadataValue.json(sorted(path.name for path in notices if path.suffix == ".pdf")),
            "cash_batch": cash.batch_id or "",
            "cash_journals": cash.journals,
            "cash_held": MetadataValue.json(cash.held),
            "bank_files_loaded": len(bank.loaded),
            "bank_files_rejected": MetadataValue.json(bank.rejected),
            "allocations_appended": recorded.appended,
            "allocations_reversed": recorded.reversed,
        }
    )
