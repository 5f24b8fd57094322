{#-
    Invoice lines of the billing period: one per (customer, SKU, price list version), from
    the rated usage pieces. The amount is rated once per line, in exact integer arithmetic
    (macro rate_amount_minor): round_half_even(sum(quantity_base) x unit_price x
    10^minor_units / base_units_per_pricing_unit); the tax once per line (macro
    tax_amount_minor) with the customer's country rate in force at the period start.
-#}

with

rated_usage as (

    select * from {{ ref('int_usage__rated') }}
    where rating_status = 'rated'

),

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

currencies as (

    select * from {{ ref('currencies') }}

),

tax_rates as (

    select * from {{ ref('tax_rates') }}
    where effective_from <= cast({{ billing_period_start() }} as date)
        and coalesce(effective_to, cast('infinity' as date)) > cast({{ billing_period_start() }} as date)

),

lines as (

    select
        customer_id,
        sku_id,
        price_list_id,
        price_list_version,
        unit_price,
        currency_code,
        pricing_unit,
        base_unit,
        base_units_per_pricing_unit,
        sum(quantity_base) as quantity_base,
        count(distinct usage_line_id) as usage_line_count,
    from rated_usage
    group by all

),

priced as (

    select
        lines.*,
        currencies.minor_units,
        tax_rates.tax_rate,
        tax_rates.tax_rule_id,
        tax_rates.tax_treatment,
        tax_rates.legal_mention_code,
        {{ rate_amount_minor(
            'lines.quantity_base', 'lines.unit_price', 'currencies.minor_units',
            'lines.base_units_per_pricing_unit'
        ) }} as net_amount_minor,
    from lines
    inner join customers
        on lines.customer_id = customers.customer_id
    left join currencies
        on lines.currency_code = currencies.currency_code
    left join tax_rates
        on customers.country_code = tax_rates.country_code

),

taxed as (

    select
        *,
        {{ tax_amount_minor('net_amount_minor', 'tax_rate') }} as tax_amount_minor,
    from priced

),

final as (

    select
        customer_id || '-' || {{ billing_period_literal() }} || ':' || sku_id || ':'
            || price_list_id || ':v' || cast(price_list_version as varchar) as invoice_line_id,
        customer_id || '-' || {{ billing_period_literal() }} as invoice_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        customer_id,
        sku_id,
        price_list_id,
        cast(price_list_version as integer) as price_list_version,
        pricing_unit,
        base_unit,
        cast(quantity_base as decimal(38, 6)) as quantity_base,
        {{ to_pricing_units('quantity_base', 'base_units_per_pricing_unit') }} as quantity,
        cast(unit_price as decimal(18, 6)) as unit_price,
        currency_code,
        {{ minor_units_to_amount('net_amount_minor', 'minor_units') }} as net_amount,
        cast(tax_rate as decimal(9, 6)) as tax_rate,
        {{ minor_units_to_amount('tax_amount_minor', 'minor_units') }} as tax_amount,
        {{ minor_units_to_amount('net_amount_minor + tax_amount_minor', 'minor_units') }} as gross_amount,
        cast(usage_line_count as bigint) as usage_line_count,
        cast(base_units_per_pricing_unit as bigint) as base_units_per_pricing_unit,
        cast(minor_units as integer) as minor_units,
        cast(net_amount_minor as bigint) as net_amount_minor,
        cast(tax_amount_minor as bigint) as tax_amount_minor,
        cast('usage' as varchar) as line_type,
        tax_rule_id,
        tax_treatment,
        legal_mention_code,
    from taxed

)

select * from final
