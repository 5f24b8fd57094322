{#-
    Vendor variance per billing period, vendor, reconciliation class (the match group's
    status) and currency: what vendors billed against what meterline expected, and the
    difference (billed - expected), from fct_vendor_reconciliation.
-#}

with

groups as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

final as (

    select
        billing_period,
        vendor_id,
        status as reconciliation_class,
        currency_code,
        count(*) as reconciliation_groups,
        cast(coalesce(sum(billed_amount), 0) as decimal(18, 2)) as billed_amount,
        cast(coalesce(sum(expected_amount), 0) as decimal(18, 2)) as expected_amount,
        cast(coalesce(sum(variance_amount), 0) as decimal(18, 2)) as variance_amount,
        cast(coalesce(sum(abs(variance_amount)), 0) as decimal(18, 2)) as absolute_variance_amount,
    from groups
    group by billing_period, vendor_id, status, currency_code

)

select * from final
