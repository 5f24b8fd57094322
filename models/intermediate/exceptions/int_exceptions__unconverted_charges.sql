{#-
    `fx_rate_missing` per recurring fee or commitment in force (int_recurring_charges__in_force)
    whose currency has no period-end rate to the invoice currency: the charge is not invoiced,
    and its whole amount, in the charge's own currency, is at risk.
-#}

with

recurring_charges as (

    select * from {{ ref('int_recurring_charges__in_force') }}
    where charge_status = 'fx_rate_missing'

),

final as (

    select
        charge_status as reason_code,
        -- the missing input is the FX reference data
        'reference' as source_system,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        'recurring_charge' as subject_type,
        charge_id as subject_id,
        cast(null as varchar) as job_id,
        charge_id as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(amount as decimal(38, 6)) as amount_at_risk,
        charge_currency_code as currency_code,
        charge_detail as detail,
    from recurring_charges

)

select * from final
