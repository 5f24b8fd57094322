"""Billing periods: calendar months in UTC, keyed `YYYY-MM`."""

import warnings

from dagster import BackfillPolicy, BetaWarning, MonthlyPartitionsDefinition

billing_periods = MonthlyPartitionsDefinition(start_date="2026-01", fmt="%Y-%m", timezone="UTC")

# dbt builds one billing period per invocation (`--vars billing_period`), so backfills run
# a period at a time. The parameter is beta in Dagster; the choice is deliberate, so its
# warning is silenced here, where the policy is defined.
one_period_per_run = BackfillPolicy.multi_run(max_partitions_per_run=1)
warnings.filterwarnings("ignore", category=BetaWarning, message="Parameter `backfill_policy`")
