"""Billing periods: calendar months in UTC, keyed `YYYY-MM`."""

from dagster import BackfillPolicy, MonthlyPartitionsDefinition

billing_periods = MonthlyPartitionsDefinition(start_date="2026-01", fmt="%Y-%m", timezone="UTC")

# dbt builds one billing period per invocation (`--vars billing_period`), so backfills run a period at a time.
one_period_per_run = BackfillPolicy.multi_run(max_partitions_per_run=1)
