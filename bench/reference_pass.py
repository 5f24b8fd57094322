"""The hand-written single DuckDB pass that `make bench` measures the pipeline against."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.wiring.periods import period_bounds

REFERENCE_SQL = Path(__file__).with_name("reference.sql")

Line = tuple[object, ...]


def reference_lines(con: duckdb.DuckDBPyConnection, period: str) -> list[Line]:
    """(side, party, sku_id, version, site_id, amount_minor) computed straight from raw tables:
    our customers' invoice lines and what the colocation vendors should bill us."""
    # Naive UTC timestamps, as the raw tables' parsed times are.
    start, end = (bound.replace(tzinfo=None) for bound in period_bounds(period))
    con.execute("set timezone = 'UTC'")
    return con.execute(REFERENCE_SQL.read_text(), {"period_start": start, "period_end": end}).fetchall()


# The reference pass prices every line per unit; the pipeline lines it can be compared with are
# the per-unit usage lines of (customer, SKU, version) without free units and without an FX
# conversion (docs/rating.md).
PER_UNIT_PIPELINE_LINES_SQL = """
select 'customer' as side, customer_id, sku_id, cast(price_list_version as varchar), null,
    cast(net_amount * 100 as hugeint)
from marts.fct_invoice_lines as lines
where billing_period = $period and pricing_model = 'per_unit' and line_type = 'usage'
    and fx_rate_policy is null
    and not exists (
        select 1 from marts.fct_invoice_lines as other
        where other.invoice_id = lines.invoice_id and other.sku_id = lines.sku_id
            and other.price_list_version = lines.price_list_version and other.line_type = 'included'
    )
"""

# The vendors' expected lines the reference prices the same way: colocation power over the
# whole month (a site whose vendor billed power for part of the month is expected over that
# window instead) and the contracted space and cross-connects, per vendor, SKU and site.
VENDOR_PIPELINE_LINES_SQL = """
select 'vendor' as side, lines.vendor_id, lines.vendor_sku_id, cast(lines.rate_card_version as varchar),
    groups.site_id,
    cast(lines.amount * case currencies.minor_units when 0 then 1 when 1 then 10 when 2 then 100
        when 3 then 1000 end as hugeint)
from marts.fct_vendor_reconciliation_lines as lines
inner join marts.fct_vendor_reconciliation as groups
    on lines.billing_period = groups.billing_period and lines.match_group_id = groups.match_group_id
inner join policy.currencies as currencies on lines.currency_code = currencies.currency_code
where lines.billing_period = $period and lines.line_side = 'expected' and groups.site_id is not null
    and lines.charge_period_start_at = $period_start and lines.charge_period_end_at = $period_end
"""


def comparable_lines(
    con: duckdb.DuckDBPyConnection, reference: list[Line], period: str
) -> tuple[list[Line], list[Line]]:
    """(reference, pipeline) restricted to the lines both price the same way, sorted."""
    start, end = (bound.replace(tzinfo=None) for bound in period_bounds(period))
    pipeline = con.execute(PER_UNIT_PIPELINE_LINES_SQL, {"period": period}).fetchall()
    pipeline += con.execute(
        VENDOR_PIPELINE_LINES_SQL, {"period": period, "period_start": start, "period_end": end}
    ).fetchall()
    keys = {row[:5] for row in pipeline}
    return sorted(row for row in reference if row[:5] in keys), sorted(pipeline)
