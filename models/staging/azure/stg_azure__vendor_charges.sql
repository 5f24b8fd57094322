{#-
    Azure cost details (EA and MCA, actual and amortised views) in the vendor charge shape
    (macros/vendor_charges/vendor_charges.sql). A row has no id of its own, so it is
    identified by all its identifying columns; the view it came from is kept as cost_view.
-#}

with

azure_lines as (

    select * from {{ ref('stg_azure__cost_details') }}

),

final as (

    select
        {{- conform_vendor_charges('azure', {
            'line_identity': stable_hash([
                'layout_variant', 'invoice_id', 'billing_account_id', 'sub_account_id', 'charge_class',
                'charge_category', 'charge_period_start_at', 'sku_id', 'sku_price_id', 'resource_id',
                'commitment_discount_id', 'unit_of_measure', 'pricing_quantity', 'billed_cost',
                'contracted_unit_price', 'tags',
            ]),
            'cost_view': 'cost_view',
            'commitment_discount_category': none,
            'commitment_discount_status': none,
        }) }}
    from azure_lines

)

select * from final
