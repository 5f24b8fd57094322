{#-
    Colocation invoice lines in the vendor charge shape
    (macros/vendor_charges/vendor_charges.sql), with the site the vendor bills for. A line is
    identified by invoice, item code, service period, quantity, unit price and amount; its
    billing period is its service period start. An invoice has no cloud account, resource,
    list price or commitment discount: those columns are NULL.
-#}

with

colo_lines as (

    select * from {{ ref('stg_colo__invoice_lines') }}

),

sites as (

    select * from {{ ref('energy_sites') }}

),

final as (

    select
        {{- conform_vendor_charges('colo', {
            'vendor_id': 'colo_lines.vendor_id',
            'source_file': 'colo_lines.source_file',
            'source_row': 'colo_lines.source_row',
            'invoice_id': 'colo_lines.invoice_id',
            'vendor_item_code': 'colo_lines.item_code',
            'charge_category': none,
            'charge_description': 'colo_lines.line_description',
            'charge_period_start_at': 'colo_lines.charge_period_start_at',
            'charge_period_end_at': 'colo_lines.charge_period_end_at',
            'period_reference_at': 'colo_lines.charge_period_start_at',
            'site_id': 'sites.site_id',
            'resource_id': none,
            'billed_quantity': 'colo_lines.quantity',
            'billed_unit': 'colo_lines.unit',
            'billed_unit_price': 'colo_lines.unit_price',
            'billed_amount': 'colo_lines.amount',
            'currency_code': 'colo_lines.currency_code',
            'line_identity': stable_hash([
                'colo_lines.invoice_id', 'colo_lines.item_code', 'colo_lines.period_start_date',
                'colo_lines.period_end_date', 'colo_lines.quantity', 'colo_lines.unit_price',
                'colo_lines.amount',
            ]),
            'quarantine_reason': 'colo_lines.quarantine_reason',
            'quarantine_detail': 'colo_lines.quarantine_detail',
            'line_number_in_row': '1',
            'layout_variant': "'colo_' || colo_lines.vendor_id",
            'cost_view': "'actual'",
            'provider_name': none,
            'billing_account_id': none,
            'sub_account_id': none,
            'charge_class': none,
            'charge_frequency': none,
            'billing_period_start_at': none,
            'billing_period_end_at': none,
            'region_id': none,
            'sku_price_id': none,
            'consumed_quantity': 'colo_lines.quantity',
            'consumed_unit': 'colo_lines.unit',
            'list_unit_price': none,
            'contracted_unit_price': 'colo_lines.unit_price',
            'list_cost': none,
            'contracted_cost': 'colo_lines.amount',
            'effective_cost': 'colo_lines.amount',
            'commitment_discount_id': none,
            'commitment_discount_category': none,
            'commitment_discount_type': none,
            'commitment_discount_status': none,
            'tags': none,
        }, focus_aligned=false) }}
    from colo_lines
    left join sites
        on colo_lines.vendor_id = sites.vendor_id

)

select * from final
