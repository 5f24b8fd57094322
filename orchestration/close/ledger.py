"""The guards that keep closed periods of the append-only `ledger` untouched, and its ids and audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from orchestration.wiring.periods import period_bounds


class ClosedPeriodError(RuntimeError):
    """Raised when something would write into a period that is already closed."""


class LedgerError(RuntimeError):
    """A ledger command that cannot be carried out (unknown invoice, invalid reason...)."""


def now() -> datetime:
    return datetime.now(UTC)


def is_closed(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    row = con.execute("select count(*) from ledger.closes where billing_period = ?", [period]).fetchone()
    return bool(row and row[0])


def ensure_open(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Every insert of documents or waivers for a period goes through this guard."""
    if is_closed(con, period):
        raise ClosedPeriodError(
            f"period {period} is closed; corrections go to the next open period as adjustments"
        )


def next_period(period: str) -> str:
    return period_bounds(period)[1].strftime("%Y-%m")


def next_open_period(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """The first period after `period` that is not closed (where corrections are issued)."""
    candidate = next_period(period)
    while is_closed(con, candidate):
        candidate = next_period(candidate)
    return candidate


def next_id(con: duckdb.DuckDBPyConnection, table: str, prefix: str) -> str:
    """Sequential ids per table (`<prefix>-000001`); the ledger is single-writer (DuckDB)."""
    row = con.execute(f"select count(*) from ledger.{table}").fetchone()
    return f"{prefix}-{(row[0] if row else 0) + 1:06d}"


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    period: str | None,
    subject: str | None,
    detail: dict[str, object],
) -> None:
    con.execute(
        "insert into ledger.audit_log values (?, ?, ?, ?, ?, ?, ?)",
        [
            next_id(con, "audit_log", "EVT"),
            now(),
            actor,
            action,
            period,
            subject,
            json.dumps(detail, sort_keys=True, default=str),
        ],
    )
