{#-
    Google Cloud billing export lines in the vendor charge shape
    (macros/vendor_charges/vendor_charges.sql). A row has no id of its own, so it is
    identified by all its identifying columns; its credits are lines of their own
    (line_number_in_row 2..). The export has no list prices and no commitment discounts.
-#}

with

gcp_lines as (

    select * from {{ ref('stg_gcp__billing_lines') }}

),

final as (

    select
        {{- conform_vendor_charges('gcp', {
            'line_identity': stable_hash([
                'billing_account_id', 'sub_account_id', 'sku_id', 'charge_period_start_at', 'charge_period_end_at',
                'resource_id', 'region_id', 'charge_category', 'consumed_quantity', 'credits_text', 'tags',
                'line_number_in_row', 'billed_cost',
            ]),
            'line_number_in_row': 'line_number_in_row',
            'list_unit_price': none,
            'list_cost': none,
            'contracted_cost': none,
            'commitment_discount_id': none,
            'commitment_discount_category': none,
            'commitment_discount_type': none,
            'commitment_discount_status': none,
        }) }}
    from gcp_lines

)

select * from final
