{#-
    Oracle Cloud cost report lines in the vendor charge shape
    (macros/vendor_charges/vendor_charges.sql). A line is identified by (tenancy,
    lineItem/referenceNo, usage interval): a correction has its own reference number, so it is
    a line of its own beside the line it corrects. Its billing period is the month the report
    bills it in. The report has no list prices and no commitment discounts.
-#}

with

oci_lines as (

    select * from {{ ref('stg_oci__cost_lines') }}

),

final as (

    select
        {{- conform_vendor_charges('oci', {
            'line_identity': stable_hash([
                'sub_account_id', 'reference_number', 'charge_period_start_at', 'charge_period_end_at',
            ]),
            'period_reference_at': 'billing_period_start_at',
            'list_unit_price': none,
            'list_cost': none,
            'commitment_discount_id': none,
            'commitment_discount_category': none,
            'commitment_discount_type': none,
            'commitment_discount_status': none,
        }) }}
    from oci_lines

)

select * from final
