{#-
    `cost_anomaly` per day fct_cost_anomalies flags for the period. A vendor anomaly
    (vendor_sku) names the vendor SKU and carries its deviation above the baseline median as
    money at risk in the billed currency; a customer anomaly (customer_sku) names the customer
    and SKU and carries the deviation as a quantity in base units. The detail states the day's
    value, the baseline's median, MAD and size, and the threshold it exceeded.
-#}

with

anomalies as (

    select * from {{ of_billing_period(ref('fct_cost_anomalies')) }}
    where is_anomaly

),

final as (

    select
        'cost_anomaly' as reason_code,
        source_system,
        first_source_file as source_file,
        first_source_row as source_row,
        vendor_id,
        case when baseline_scope = 'vendor_sku' then sku_id end as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        case when baseline_scope = 'customer_sku' then sku_id end as sku_id,
        case when baseline_scope = 'customer_sku' then deviation end as quantity_base,
        case when baseline_scope = 'vendor_sku' then deviation end as amount_at_risk,
        case when baseline_scope = 'vendor_sku' then unit end as currency_code,
        baseline_scope || ' ' || coalesce(vendor_id, customer_id) || ' ' || sku_id || ' on '
        || strftime(usage_date, '%Y-%m-%d') || ': ' || cast(daily_value as varchar) || ' ' || unit
        || ' vs baseline median '
        || cast(baseline_median as varchar)
        || ' (MAD '
        || cast(baseline_mad as varchar)
        || ' over ' || baseline_days || ' days), deviation +' || cast(deviation as varchar)
        || ' above the threshold ' || cast(threshold_deviation as varchar) as detail,
    from anomalies

)

select * from final
