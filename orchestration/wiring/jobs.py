"""The monthly billing job and its schedule, and the period close job."""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

CLOSE_GROUPS = ("ledger", "exports")

monthly_billing_job = define_asset_job(
    name="monthly_billing",
    selection=(AssetSelection.all() - AssetSelection.groups(*CLOSE_GROUPS)).materializable(),
    description="Ingest landing files, build the dbt models and gate the marts (drafts).",
)

period_close_job = define_asset_job(
    name="period_close",
    selection=AssetSelection.groups(*CLOSE_GROUPS).materializable(),
    description="Close a gated period into the ledger and write its finance exports.",
)

# On the 2nd at 06:00 UTC, bill the month that just ended (late drops of the 1st included).
# Running by default: it fires as soon as a daemon is up (`make ui` starts one).
monthly_billing_schedule = build_schedule_from_partitioned_job(
    monthly_billing_job, day_of_month=2, hour_of_day=6, default_status=DefaultScheduleStatus.RUNNING
)
