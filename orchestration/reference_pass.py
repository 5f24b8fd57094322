"""The hand-written single DuckDB pass that `make bench` measures the pipeline against."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.periods import period_bounds

REFERENCE_SQL = Path(__file__).with_name("bench_reference.sql")


def reference_invoice_lines(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[object, ...]]:
    """(customer_id, sku_id, price_list_version, net_amount) computed straight from raw tables."""
    # Naive UTC timestamps, as the raw tables' parsed times are.
    start, end = (bound.replace(tzinfo=None) for bound in period_bounds(period))
    con.execute("set timezone = 'UTC'")
    return con.execute(REFERENCE_SQL.read_text(), {"period_start": start, "period_end": end}).fetchall()
