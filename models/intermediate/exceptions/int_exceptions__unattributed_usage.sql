{#-
    unattributed_usage: usage no assignment covers, one exception per usage row (Slurm,
    OpenCost) or per machine for energy, valued at the declared list price
    (seeds/reconciliation/list_price_lists.csv) as revenue at risk, rounded half-even once per
    SKU and price version: the value of the usage were it billed at list price.
-#}

with

rated_usage as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status = 'unattributed_usage'

),

currencies as (

    select * from {{ ref('currencies') }}

),

list_prices as (

    select
        customer_price_lists.*,
        units.base_units_per_pricing_unit,
        currencies.minor_units,
    from {{ ref('customer_price_lists') }} as customer_price_lists
    inner join {{ ref('list_price_lists') }} as list_price_lists
        on customer_price_lists.price_list_id = list_price_lists.price_list_id
    inner join {{ ref('units') }} as units
        on customer_price_lists.pricing_unit = units.pricing_unit
    inner join currencies
        on customer_price_lists.currency_code = currencies.currency_code

),

unattributed_pieces as (

    select
        case
            when rated_usage.subject_type = 'machine' then 'machine|' || rated_usage.subject_id
            else rated_usage.source_file || '|' || rated_usage.source_row || '|' || rated_usage.subject_type
                || '|' || rated_usage.subject_id
        end as at_risk_key,
        rated_usage.sku_id,
        rated_usage.quantity_base,
        list_prices.price_list_version,
        list_prices.unit_price,
        list_prices.currency_code,
        list_prices.minor_units,
        list_prices.base_units_per_pricing_unit,
    from rated_usage
    inner join list_prices
        on rated_usage.sku_id = list_prices.sku_id
            and rated_usage.rated_start_at >= list_prices.effective_from
            and coalesce(list_prices.effective_to, cast('infinity' as timestamp)) > rated_usage.rated_start_at

),

unattributed_lines as (

    select
        at_risk_key,
        sku_id,
        price_list_version,
        min(unit_price) as unit_price,
        min(currency_code) as currency_code,
        min(minor_units) as minor_units,
        min(base_units_per_pricing_unit) as base_units_per_pricing_unit,
        sum(quantity_base) as quantity_base,
    from unattributed_pieces
    group by at_risk_key, sku_id, price_list_version

),

unattributed_value as (

    select
        at_risk_key,
        min(currency_code) as currency_code,
        {{ minor_units_to_amount(
            'sum(' ~ rate_amount_minor('quantity_base', 'unit_price', 'minor_units', 'base_units_per_pricing_unit') ~ ')',
            'min(minor_units)'
        ) }} as amount_at_list_price,
    from unattributed_lines
    group by at_risk_key

),

unattributed_rows as (

    select
        'unattributed_usage' as reason_code,
        rated_usage.source_kind as source_system,
        rated_usage.source_file,
        rated_usage.source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        rated_usage.subject_type,
        rated_usage.subject_id,
        min(rated_usage.job_id) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        min(unattributed_value.amount_at_list_price) as amount_at_risk,
        min(unattributed_value.currency_code) as currency_code,
        min(rated_usage.rating_detail)
        || ' ('
        || string_agg(distinct rated_usage.sku_id, ', ' order by rated_usage.sku_id)
        || ')'
        || coalesce(
            '; worth ' || cast(min(unattributed_value.amount_at_list_price) as varchar) || ' '
            || min(unattributed_value.currency_code) || ' at list price', ''
        ) as detail,
    from rated_usage
    left join unattributed_value
        on rated_usage.source_file || '|' || rated_usage.source_row || '|' || rated_usage.subject_type
            || '|' || rated_usage.subject_id = unattributed_value.at_risk_key
    where rated_usage.subject_type <> 'machine'
    group by
        rated_usage.source_kind,
        rated_usage.source_file,
        rated_usage.source_row,
        rated_usage.subject_type,
        rated_usage.subject_id

),

unattributed_machines as (

    select
        'unattributed_usage' as reason_code,
        'energy' as source_system,
        min(rated_usage.source_file) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        min(rated_usage.source_id) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        rated_usage.subject_type,
        rated_usage.subject_id,
        cast(null as varchar) as job_id,
        'energy_kwh' as sku_id,
        sum(rated_usage.quantity_base) as quantity_base,
        min(unattributed_value.amount_at_list_price) as amount_at_risk,
        min(unattributed_value.currency_code) as currency_code,
        count(*)
        || ' hours of energy of machine '
        || rated_usage.subject_id
        || ' have no assignment, first at '
        || strftime(min(rated_usage.rated_start_at), '%Y-%m-%dT%H:%M:%SZ')
        || coalesce(
            '; worth ' || cast(min(unattributed_value.amount_at_list_price) as varchar) || ' '
            || min(unattributed_value.currency_code) || ' at list price', ''
        ) as detail,
    from rated_usage
    left join unattributed_value
        on 'machine|' || rated_usage.subject_id = unattributed_value.at_risk_key
    where rated_usage.subject_type = 'machine'
    group by rated_usage.subject_type, rated_usage.subject_id

),

final as (

    select * from unattributed_rows
    union all
    select * from unattributed_machines

)

select * from final
