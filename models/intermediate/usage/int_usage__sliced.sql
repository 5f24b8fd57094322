{{ config(materialized='incremental', incremental_strategy='replace_period') }}

{#-
    Rated usage pieces cut into the slices each invoice line is rated from (docs/rating.md).
    A line's quantity is counted per (customer, SKU, price list, version) in usage-time order
    (rated_start_at, then rated_usage_id as the deterministic tie-break), and each piece is
    split where that running quantity crosses a price boundary:
    - graduated: at every tier boundary; each slice takes its tier's price;
    - included units: at the end of the free allowance (`included` slice, price 0);
    - volume: never split; every piece takes the tier the line's total reached;
    - per-unit, package, pass-through: one slice at the price list's unit price.
    Slices of a piece add up to the piece exactly (tested), so no quantity is lost or doubled.
-#}

with

rated as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status = 'rated'

),

tiers as (

    select * from {{ ref('customer_price_tiers') }}

),

running as (

    select
        *,
        sum(quantity_base) over (
            partition by customer_id, sku_id, price_list_id, price_list_version
            order by rated_start_at, rated_usage_id
            rows between unbounded preceding and current row
        ) as cumulative_after_base,
        sum(quantity_base) over (
            partition by customer_id, sku_id, price_list_id, price_list_version
        ) as line_total_base,
    from rated

),

bands as (

    -- graduated: the version's tiers
    select
        running.rated_usage_id,
        'usage' as line_type,
        tiers.tier_number,
        tiers.from_quantity,
        tiers.to_quantity,
        tiers.unit_price as slice_unit_price,
    from running
    inner join tiers
        on running.price_list_id = tiers.price_list_id
            and running.price_list_version = tiers.price_list_version
            and running.sku_id = tiers.sku_id
    where running.pricing_model = 'graduated'

    union all

    -- volume: the one tier the line's total quantity reached, for the whole piece
    select
        running.rated_usage_id,
        'usage' as line_type,
        tiers.tier_number,
        cast(null as decimal(38, 6)) as from_quantity,
        cast(null as decimal(38, 6)) as to_quantity,
        tiers.unit_price as slice_unit_price,
    from running
    inner join tiers
        on running.price_list_id = tiers.price_list_id
            and running.price_list_version = tiers.price_list_version
            and running.sku_id = tiers.sku_id
            and {{ tier_reached('running.line_total_base', 'tiers.from_quantity', 'tiers.to_quantity',
            'running.base_units_per_pricing_unit') }}
    where running.pricing_model = 'volume'

    union all

    -- included units: free up to the allowance
    select
        rated_usage_id,
        'included' as line_type,
        cast(null as integer) as tier_number,
        0 as from_quantity,
        included_quantity as to_quantity,
        cast(0 as decimal(18, 6)) as slice_unit_price,
    from running
    where pricing_model not in ('graduated', 'volume') and included_quantity > 0

    union all

    -- per-unit, package and pass-through: the list price beyond any allowance
    select
        rated_usage_id,
        'usage' as line_type,
        cast(null as integer) as tier_number,
        case when included_quantity > 0 then included_quantity end as from_quantity,
        cast(null as decimal(38, 6)) as to_quantity,
        -- pass-through charges the cost plus markup (exact here; the line's amount is rated
        -- from cost_unit_price and markup_rate, this is the price shown)
        case
            when pricing_model = 'pass_through' then cost_unit_price * (1 + coalesce(markup_rate, 0))
            else unit_price
        end as slice_unit_price,
    from running
    where pricing_model not in ('graduated', 'volume')

),

sliced as (

    select
        running.*,
        bands.line_type,
        bands.tier_number,
        bands.from_quantity as band_from_quantity,
        bands.to_quantity as band_to_quantity,
        bands.slice_unit_price,
        case
            -- one unbounded band (volume, plain per-unit): the whole piece, whatever its sign
            when bands.from_quantity is null and bands.to_quantity is null then running.quantity_base
            else {{ tier_overlap_base(
                'running.cumulative_after_base - running.quantity_base', 'running.cumulative_after_base',
                'bands.from_quantity', 'bands.to_quantity', 'running.base_units_per_pricing_unit'
            ) }}
        end as slice_quantity_base,
    from running
    inner join bands
        on running.rated_usage_id = bands.rated_usage_id

),

final as (

    select
        {{ stable_hash(['rated_usage_id', 'line_type', 'tier_number']) }} as usage_slice_id,
        {{ invoice_line_id(
            'customer_id', 'sku_id', 'price_list_id', 'price_list_version', 'tier_number',
            'cost_rate_card_version', 'line_type'
        ) }} as invoice_line_id,
        rated_usage_id,
        billing_period,
        usage_line_id,
        source_kind,
        customer_id,
        sku_id,
        base_unit,
        rated_start_at,
        rated_end_at,
        price_list_id,
        price_list_version,
        currency_code,
        pricing_unit,
        base_units_per_pricing_unit,
        pricing_model,
        line_type,
        tier_number,
        band_from_quantity,
        band_to_quantity,
        cast(cumulative_after_base - quantity_base as decimal(38, 6)) as cumulative_before_base,
        cast(cumulative_after_base as decimal(38, 6)) as cumulative_after_base,
        cast(quantity_base as decimal(38, 6)) as piece_quantity_base,
        cast(slice_quantity_base as decimal(38, 6)) as quantity_base,
        unit_price as list_unit_price,
        cast(slice_unit_price as decimal(18, 6)) as unit_price,
        package_size,
        committed_quantity,
        committed_discount_rate,
        markup_rate,
        cost_rate_card_id,
        cost_rate_card_version,
        cost_unit_price,
        invoice_currency_code,
        fx_rate_policy,
        fx_rate_date,
        fx_rate,
        fx_source,
        is_estimated,
    from sliced
    -- a piece wholly inside one band has empty overlaps with the others
    where slice_quantity_base <> 0 or (band_from_quantity is null and band_to_quantity is null)

)

select * from final
