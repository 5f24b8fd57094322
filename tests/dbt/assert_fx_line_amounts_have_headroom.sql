{{ config(meta={"dagster": {"ref": {"name": "int_usage__sliced"}}}) }}
-- Converted invoice lines are rated on HUGEINT (macro fx_rate_amount_minor): the largest value
-- it holds, sum(quantity_base x 10^6 x fx_rate x 10^6) x unit_price x 10^6 with the base units
-- per pricing unit divided out first (macro round_half_even_product_div), must stay far below
-- HUGEINT's 1.7 x 10^38. DuckDB raises on overflow rather than wrapping; this test fails earlier
-- and names the line, when that value comes within a factor 100 of the limit (estimated in
-- DOUBLE: a magnitude check, never an amount). Returns the lines without that headroom.
with

lines as (

    select
        customer_id,
        sku_id,
        price_list_id,
        price_list_version,
        line_type,
        tier_number,
        min(base_units_per_pricing_unit) as base_units_per_pricing_unit,
        max(abs(cast(unit_price as double))) as unit_price,
        sum(abs(cast(quantity_base as double)) * cast(fx_rate as double)) as fx_quantity,
    from {{ of_billing_period(ref('int_usage__sliced')) }}
    where fx_rate is not null
    group by all

)

select
    *,
    fx_quantity * unit_price * 1e18 / base_units_per_pricing_unit as numerator_estimate,
from lines
where fx_quantity * unit_price * 1e18 / base_units_per_pricing_unit > 1.7e36
