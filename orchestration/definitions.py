"""The single Definitions object of meterline."""

from dagster import Definitions

from orchestration.assets.dbt import meterline_dbt_models
from orchestration.assets.disputes import dispute_evidence
from orchestration.assets.export import invoice_export, period_close
from orchestration.assets.ingest import landing_files
from orchestration.checks import gx_gates
from orchestration.jobs import monthly_billing_job, monthly_billing_schedule, period_close_job
from orchestration.resources import build_resources
from orchestration.settings import Settings

defs = Definitions(
    assets=[landing_files, meterline_dbt_models, period_close, invoice_export, dispute_evidence],
    asset_checks=[gx_gates],
    jobs=[monthly_billing_job, period_close_job],
    schedules=[monthly_billing_schedule],
    resources=build_resources(Settings.from_env()),
)
