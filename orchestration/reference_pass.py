"""The hand-written single DuckDB pass that `make bench` measures the pipeline against."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

REFERENCE_SQL = Path(__file__).with_name("bench_reference.sql")


def period_bounds(period: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(period, "%Y-%m")
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def reference_invoice_lines(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[object, ...]]:
    """(customer_id, sku_id, price_list_version, net_amount) computed straight from raw tables."""
    start, end = period_bounds(period)
    con.execute("set timezone = 'UTC'")
    return con.execute(REFERENCE_SQL.read_text(), {"period_start": start, "period_end": end}).fetchall()
