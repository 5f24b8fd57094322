{#-
    FOCUS 1.0-1.3 charges in the vendor charge shape (macros/vendor_charges/vendor_charges.sql).
    A line is identified as FOCUS defines a charge: InvoiceId, ResourceId, SkuId, the charge
    period, PricingQuantity and BilledCost.
-#}

with

focus_charges as (

    select * from {{ ref('stg_focus__charges') }}

),

final as (

    select
        {{- conform_vendor_charges('focus', {
            'line_identity': stable_hash([
                'invoice_id', 'resource_id', 'sku_id', 'charge_period_start_at',
                'charge_period_end_at', 'pricing_quantity', 'billed_cost',
            ]),
        }) }}
    from focus_charges

)

select * from final
