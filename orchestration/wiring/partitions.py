"""Billing periods as Dagster partitions: calendar months in UTC, keyed `YYYY-MM`, one
partition per period of the marts, from the first period to the current month."""

import warnings

from dagster import BackfillPolicy, BetaWarning, MonthlyPartitionsDefinition

from orchestration.wiring.periods import first_period

# end_offset=1 adds the month under way, so that it can be previewed (drafts only).
billing_periods = MonthlyPartitionsDefinition(
    start_date=first_period(), fmt="%Y-%m", timezone="UTC", end_offset=1
)

# dbt builds one billing period per invocation (MET_BILLING_PERIOD), so backfills run
# a period at a time. The parameter is beta in Dagster; the choice is deliberate, so its
# warning is silenced here, where the policy is defined.
one_period_per_run = BackfillPolicy.multi_run(max_partitions_per_run=1)
warnings.filterwarnings("ignore", category=BetaWarning, message="Parameter `backfill_policy`")
