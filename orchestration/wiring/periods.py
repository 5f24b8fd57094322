"""Billing periods as half-open UTC months: `[YYYY-MM-01T00:00Z, first day of next month)`.

The billable range runs from the first period (`MET_FIRST_PERIOD`, default 2015-01, old
enough for the archives an operator brings along) to the current month, which can only be
previewed: its drafts are built, but it cannot close before it has ended.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

DEFAULT_FIRST_PERIOD = "2015-01"
PERIOD_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period argument that is malformed or outside the billable range (one line, no traceback)."""


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the `YYYY-MM` period, timezone-aware UTC."""
    if not PERIOD_PATTERN.match(period):
        raise PeriodError(f"not a YYYY-MM period: {period!r}")
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def first_period() -> str:
    period = os.environ.get("MET_FIRST_PERIOD", DEFAULT_FIRST_PERIOD)
    period_bounds(period)
    return period


def current_period(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def has_ended(period: str, now: datetime | None = None) -> bool:
    return period_bounds(period)[1] <= (now or datetime.now(UTC))


def checked_period(period: str, now: datetime | None = None) -> str:
    """The period if it is billable (first period .. current month); else a PeriodError."""
    period_bounds(period)
    first, current = first_period(), current_period(now)
    if period < first:
        raise PeriodError(f"{period} is before the first billing period {first} (set MET_FIRST_PERIOD)")
    if period > current:
        raise PeriodError(f"{period} has not started yet (the current period is {current})")
    return period


def periods_between(first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, both included, in order."""
    period_bounds(first)
    period_bounds(last)
    if last < first:
        raise PeriodError(f"--to {last} is before --from {first}")
    periods, period = [], first
    while period <= last:
        periods.append(period)
        period = period_bounds(period)[1].strftime("%Y-%m")
    return periods
