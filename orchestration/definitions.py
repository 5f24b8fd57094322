"""The single Definitions object of meterline."""

from dagster import Definitions

from orchestration.close.assets import invoice_export, period_close
from orchestration.close.exception_statuses import exception_statuses
from orchestration.close.ledger_sources import LEDGER_SOURCES
from orchestration.exports.dispute_assets import dispute_evidence
from orchestration.exports.publish_assets import published_marts
from orchestration.gates.checks import gx_gates
from orchestration.ingest.assets import LANDING_FILES, landing_files
from orchestration.receivables.assets import receivables_allocations, receivables_dunning
from orchestration.wiring.dbt_assets import meterline_dbt_models
from orchestration.wiring.jobs import (
    daily_dunning_job,
    daily_dunning_schedule,
    monthly_billing_job,
    monthly_billing_schedule,
    period_close_job,
)
from orchestration.wiring.resources import build_resources
from orchestration.wiring.sensors import new_landing_files, period_ready_to_close
from orchestration.wiring.settings import Settings
from orchestration.wiring.writer_executor import warehouse_writer_executor

defs = Definitions(
    assets=[
        LANDING_FILES,
        landing_files,
        meterline_dbt_models,
        *LEDGER_SOURCES,
        receivables_allocations,
        receivables_dunning,
        exception_statuses,
        period_close,
        invoice_export,
        dispute_evidence,
        published_marts,
    ],
    asset_checks=[gx_gates],
    jobs=[monthly_billing_job, period_close_job, daily_dunning_job],
    schedules=[monthly_billing_schedule, daily_dunning_schedule],
    sensors=[new_landing_files, period_ready_to_close],
    resources=build_resources(Settings.from_env()),
    # Runs Dagster launches take the warehouse's writer lock, as `meterline` commands do.
    executor=warehouse_writer_executor,
)
