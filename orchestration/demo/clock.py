"""Billing-period bounds and vectorised UTC -> local wall-clock conversion.

All instants in the demo model are integer UTC epoch seconds; local text is only produced
when a writer renders a source that speaks local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from orchestration.wiring.periods import period_bounds as billing_period_bounds

HOUR = 3600
DAY = 86400


def period_bounds(period: str) -> tuple[int, int]:
    """The billing period's half-open UTC bounds as epoch seconds."""
    start, end = billing_period_bounds(period)
    return int(start.timestamp()), int(end.timestamp())


def previous_period(period: str) -> str:
    """`YYYY-MM` of the month before `period`."""
    year, month = (int(part) for part in period.split("-"))
    return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"


def iso_utc(instant: int) -> str:
    """`2026-10-12T13:00:00Z`, the contract's UTC text."""
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> int:
    """Epoch seconds of a `...Z` timestamp (the seeds' format)."""
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def utc_date(instant: int) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%d")


def last_day(end: int) -> datetime:
    """The last calendar day before a half-open end (invoices print an inclusive end)."""
    return datetime.fromtimestamp(end, UTC) - timedelta(days=1)


class LocalClock:
    """A time zone's UTC offset for every UTC hour of a window, as arrays.

    Every zone in the seeds changes its offset on a whole UTC hour, so an hourly table is
    exact and lets millions of timestamps be converted without per-row zoneinfo calls.
    """

    def __init__(self, tz_name: str, start: int, end: int) -> None:
        zone = ZoneInfo(tz_name)
        self._first_hour = start - start % HOUR
        offsets: list[int] = []
        ambiguous: list[bool] = []
        for hour in range(self._first_hour, end + HOUR, HOUR):
            local = datetime.fromtimestamp(hour, zone)
            offset = local.utcoffset() or timedelta(0)
            other_fold = local.replace(fold=1 - local.fold).utcoffset() or timedelta(0)
            offsets.append(int(offset.total_seconds()))
            # The local wall time occurs twice (DST fall-back): text without offset is ambiguous.
            ambiguous.append(other_fold != offset)
        self._offsets = np.array(offsets, dtype=np.int64)
        self._ambiguous = np.array(ambiguous, dtype=bool)

    def _hour_index(self, instants: np.ndarray) -> np.ndarray:
        index = (np.asarray(instants, dtype=np.int64) - self._first_hour) // HOUR
        if index.size and (index.min() < 0 or index.max() >= self._offsets.size):
            raise ValueError("instant outside the LocalClock window")
        return index

    def offsets(self, instants: np.ndarray) -> np.ndarray:
        return self._offsets[self._hour_index(instants)]

    def wall(self, instants: np.ndarray) -> np.ndarray:
        """Local wall-clock time expressed as if it were UTC epoch seconds (for formatting)."""
        return np.asarray(instants, dtype=np.int64) + self.offsets(instants)

    def is_ambiguous(self, instants: np.ndarray) -> np.ndarray:
        return self._ambiguous[self._hour_index(instants)]

    def fall_back_hours(self) -> list[int]:
        """First UTC hour of every stretch whose local wall time repeats."""
        flags = self._ambiguous
        starts = np.flatnonzero(flags & ~np.concatenate(([False], flags[:-1])))
        return [self._first_hour + int(i) * HOUR for i in starts]
