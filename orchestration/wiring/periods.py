"""Billing periods as half-open UTC months: `[YYYY-MM-01T00:00Z, first day of next month)`."""

from datetime import UTC, datetime


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the `YYYY-MM` period, timezone-aware UTC."""
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end
