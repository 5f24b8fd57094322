"""The single Definitions object of meterline."""

from dagster import Definitions

from orchestration.close.assets import invoice_export, period_close
from orchestration.exports.dispute_assets import dispute_evidence
from orchestration.gates.checks import gx_gates
from orchestration.ingest.assets import landing_files
from orchestration.wiring.dbt_assets import meterline_dbt_models
from orchestration.wiring.jobs import monthly_billing_job, monthly_billing_schedule, period_close_job
from orchestration.wiring.resources import build_resources
from orchestration.wiring.settings import Settings

defs = Definitions(
    assets=[landing_files, meterline_dbt_models, period_close, invoice_export, dispute_evidence],
    asset_checks=[gx_gates],
    jobs=[monthly_billing_job, period_close_job],
    schedules=[monthly_billing_schedule],
    resources=build_resources(Settings.from_env()),
)
