{#-
    Rated usage that could not be priced: `price_missing` (no effective customer price for the
    SKU), `fx_rate_missing` (usage in a foreign currency without a valid rate for its policy's
    date) and `estimate_not_allowed` (estimated energy the contract does not let us bill). One
    exception per reason, customer, SKU and subject, holding the usage's quantity in base units;
    nothing of it is invoiced (fail closed), so no amount is at risk yet.
-#}

with

rated_usage as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status in ('price_missing', 'fx_rate_missing', 'estimate_not_allowed')

),

final as (

    select
        rating_status as reason_code,
        case when min(source_kind) like 'energy_%' then 'energy' else min(source_kind) end as source_system,
        min(source_file) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        subject_type,
        subject_id,
        cast(null as varchar) as job_id,
        sku_id,
        sum(quantity_base) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        min(rating_detail) || ' (' || count(*) || ' usage pieces)' as detail,
    from rated_usage
    group by rating_status, customer_id, sku_id, subject_type, subject_id

)

select * from final
