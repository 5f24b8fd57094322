"""Billing periods: calendar months in UTC, keyed `YYYY-MM`."""

from dagster import MonthlyPartitionsDefinition

billing_periods = MonthlyPartitionsDefinition(start_date="2026-01", fmt="%Y-%m", timezone="UTC")
