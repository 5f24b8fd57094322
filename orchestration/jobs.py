"""The monthly billing job and its schedule."""

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

monthly_billing_job = define_asset_job(
    name="monthly_billing",
    selection=AssetSelection.all(),
    description="Ingest landing files, build the dbt models, gate the marts and export invoices.",
)

# On the 2nd at 06:00 UTC, bill the month that just ended (late drops of the 1st included).
monthly_billing_schedule = build_schedule_from_partitioned_job(
    monthly_billing_job, day_of_month=2, hour_of_day=6
)
