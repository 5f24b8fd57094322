{#-
    Vendor reconciliation exceptions: every line of fct_vendor_reconciliation for the period
    that is not `matched`, under its own reason code (missing_in_bill, unexpected_charge,
    sku_unmapped, price_mismatch, quantity_mismatch, late_adjustment, period_drift ...).
    Double billing is raised per duplicate line by int_exceptions__source_rows, so its
    reconciliation lines are left out here. Amount at risk, in the line's currency:
    - missing_in_bill: what we expected the vendor to bill (nothing billed to compare);
    - unexpected_charge, sku_unmapped, late_adjustment, period_drift: the whole billed amount,
      unsigned (nothing expected, or not for this SKU or period);
    - any other: the unsigned variance between billed and expected.
-#}

with

reconciliation as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}
    where status not in ('matched', 'double_billed')

),

final as (

    select
        reason_code,
        source_system,
        first_source_file as source_file,
        first_source_row as source_row,
        vendor_id,
        vendor_sku_id,
        vendor_item_code,
        site_id,
        resource_id,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        case
            when reason_code = 'missing_in_bill' then expected_amount
            when reason_code in ('unexpected_charge', 'sku_unmapped', 'late_adjustment', 'period_drift')
                then abs(billed_amount)
            else abs(variance_amount)
        end as amount_at_risk,
        currency_code,
        detail,
    from reconciliation

)

select * from final
