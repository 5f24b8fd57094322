{#-
    Each (customer price list, internal SKU) time line cut into segments at every version
    change, with the version, price, currency and units in force. Segments no version
    covers (or that two versions cover) carry no price: usage there is `price_missing`.
-#}

with

prices as (

    select * from {{ ref('customer_price_lists') }}

),

units as (

    select * from {{ ref('units') }}

),

segments as (

    {{ effective_dated_segments(
        'prices', ['price_list_id', 'sku_id'], 'effective_from', 'effective_to'
    ) }}

),

covering as (

    select
        segments.price_list_id,
        segments.sku_id,
        segments.segment_start_at,
        segments.segment_end_at,
        count(prices.price_list_version) as version_count,
        min(prices.price_list_version) as price_list_version,
        min(prices.unit_price) as unit_price,
        min(prices.currency_code) as currency_code,
        min(prices.pricing_unit) as pricing_unit,
    from segments
    left join prices
        on segments.price_list_id = prices.price_list_id
            and segments.sku_id = prices.sku_id
            and segments.segment_start_at >= prices.effective_from
            and coalesce(prices.effective_to, cast('infinity' as timestamp)) >= segments.segment_end_at
    group by all

),

final as (

    select
        covering.price_list_id,
        covering.sku_id,
        covering.segment_start_at,
        covering.segment_end_at,
        covering.version_count,
        case when covering.version_count = 1 then covering.price_list_version end as price_list_version,
        case when covering.version_count = 1 then covering.unit_price end as unit_price,
        case when covering.version_count = 1 then covering.currency_code end as currency_code,
        case when covering.version_count = 1 then covering.pricing_unit end as pricing_unit,
        case when covering.version_count = 1 then units.base_unit end as base_unit,
        case when covering.version_count = 1 then units.base_units_per_pricing_unit end
            as base_units_per_pricing_unit,
    from covering
    left join units
        on covering.pricing_unit = units.pricing_unit

)

select * from final
