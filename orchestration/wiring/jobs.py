"""The monthly billing job and its schedule, the period close job, and the daily dunning
evaluation and its schedule."""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from orchestration.wiring.settings import Settings

CLOSE_GROUPS = ("ledger", "exports")
DUNNING_GROUP = "dunning"

monthly_billing_job = define_asset_job(
    name="monthly_billing",
    selection=(AssetSelection.all() - AssetSelection.groups(*CLOSE_GROUPS, DUNNING_GROUP)).materializable(),
    description="Ingest landing files, build the dbt models and gate the marts (drafts).",
)

period_close_job = define_asset_job(
    name="period_close",
    selection=AssetSelection.groups(*CLOSE_GROUPS).materializable(),
    description="Close a gated period into the ledger and write its finance exports.",
)


# On the 2nd at 06:00 UTC, bill the month that just ended (late drops of the 1st included).
# Running by default: it fires as soon as a daemon is up (`make ui` starts one).
# The partitions reach into the month under way (for previews), so the schedule names the
# ended month itself instead of taking the last partition.
@schedule(
    job=monthly_billing_job,
    cron_schedule="0 6 2 * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def monthly_billing_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    tick = context.scheduled_execution_time or datetime.now(UTC)
    ended = (tick.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return RunRequest(run_key=ended, partition_key=ended)


daily_dunning_job = define_asset_job(
    name="daily_dunning",
    selection=AssetSelection.groups(DUNNING_GROUP),
    description=(
        "Evaluate the dunning stages as of a date, record their changes and write the suspensions hand-off."
    ),
)


def dunning_run_config(as_of: str, evaluated_by: str) -> dict[str, object]:
    return {"ops": {"receivables__dunning": {"config": {"as_of_date": as_of, "evaluated_by": evaluated_by}}}}


# Every day at 07:00 UTC, the stages as of that day, after the night's bank statements were
# billed in by the landing sensor's runs. Running by default, as the monthly schedule.
@schedule(
    job=daily_dunning_job,
    cron_schedule="0 7 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def daily_dunning_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    # Before the first billing run there is nothing to dun: a skipped tick, not a failed run.
    if not Settings.from_env().duckdb_path.exists():
        return SkipReason("no warehouse yet: dunning starts after the first billing run")
    as_of = (context.scheduled_execution_time or datetime.now(UTC)).date().isoformat()
    return RunRequest(run_key=as_of, run_config=dunning_run_config(as_of, "schedule daily_dunning"))
