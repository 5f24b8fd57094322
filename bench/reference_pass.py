"""The hand-written single DuckDB pass that `make bench` measures the pipeline against."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.wiring.periods import period_bounds

REFERENCE_SQL = Path(__file__).with_name("reference.sql")


def reference_invoice_lines(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[object, ...]]:
    """(customer_id, sku_id, price_list_version, net_amount) computed straight from raw tables."""
    # Naive UTC timestamps, as the raw tables' parsed times are.
    start, end = (bound.replace(tzinfo=None) for bound in period_bounds(period))
    con.execute("set timezone = 'UTC'")
    return con.execute(REFERENCE_SQL.read_text(), {"period_start": start, "period_end": end}).fetchall()


# The reference pass prices every line per unit; the pipeline lines it can be compared with are
# the per-unit usage lines of (customer, SKU, version) without free units and without an FX
# conversion (docs/rating.md).
PER_UNIT_PIPELINE_LINES_SQL = """
select customer_id, sku_id, price_list_version, net_amount
from marts.fct_invoice_lines as lines
where billing_period = $period and pricing_model = 'per_unit' and line_type = 'usage'
    and fx_rate_policy is null
    and not exists (
        select 1 from marts.fct_invoice_lines as other
        where other.invoice_id = lines.invoice_id and other.sku_id = lines.sku_id
            and other.price_list_version = lines.price_list_version and other.line_type = 'included'
    )
"""


def comparable_lines(
    con: duckdb.DuckDBPyConnection, reference: list[tuple[object, ...]], period: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(reference, pipeline) restricted to the per-unit lines both price the same way, sorted."""
    pipeline = con.execute(PER_UNIT_PIPELINE_LINES_SQL, {"period": period}).fetchall()
    keys = {row[:3] for row in pipeline}
    return sorted(row for row in reference if row[:3] in keys), sorted(pipeline)
