{#-
    The lines behind every match group of fct_vendor_reconciliation: each in-period billed line
    (canonical or double-billed copy) and each expected line, with the match group it belongs
    to. A group may hold several billed lines for one expected line or the reverse; this is
    where a dispute's evidence is read from.
-#}

with

billed_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status in ('canonical', 'duplicate')
        and is_in_period

),

expected_lines as (

    select * from {{ ref('int_vendor_charges__expected') }}

),

groups as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

lines as (

    select
        'billed' as line_side,
        vendor_charge_line_id as line_id,
        reconciliation_key as match_group_id,
        source_file,
        source_row,
        invoice_id,
        vendor_item_code,
        charge_category,
        charge_description,
        charge_period_start_at,
        charge_period_end_at,
        cast(billed_quantity as decimal(38, 6)) as quantity,
        billed_unit as unit,
        cast(billed_unit_price as decimal(38, 6)) as unit_price,
        cast(billed_amount as decimal(38, 6)) as amount,
        currency_code,
        cast(null as integer) as rate_card_version,
        cast(null as decimal(38, 6)) as quantity_base,
        row_status,
    from billed_lines
    union all
    select
        'expected' as line_side,
        expected_charge_id as line_id,
        reconciliation_key as match_group_id,
        source_file,
        source_row,
        cast(null as varchar) as invoice_id,
        vendor_item_code,
        cast(null as varchar) as charge_category,
        'expected ' || vendor_sku_id || ' at rate card v' || rate_card_version as charge_description,
        charge_period_start_at,
        charge_period_end_at,
        cast(expected_quantity as decimal(38, 6)) as quantity,
        pricing_unit as unit,
        cast(unit_price as decimal(38, 6)) as unit_price,
        cast(expected_amount as decimal(38, 6)) as amount,
        currency_code,
        cast(rate_card_version as integer) as rate_card_version,
        cast(expected_quantity_base as decimal(38, 6)) as quantity_base,
        'expected' as row_status,
    from expected_lines

),

final as (

    select
        cast(groups.billing_period as varchar) as billing_period,
        cast(groups.reconciliation_line_id as varchar) as reconciliation_line_id,
        cast(lines.match_group_id as varchar) as match_group_id,
        cast(lines.line_side as varchar) as line_side,
        cast(lines.line_id as varchar) as line_id,
        cast(groups.vendor_id as varchar) as vendor_id,
        cast(groups.vendor_sku_id as varchar) as vendor_sku_id,
        cast(groups.status as varchar) as status,
        cast(lines.source_file as varchar) as source_file,
        cast(lines.source_row as bigint) as source_row,
        cast(lines.invoice_id as varchar) as invoice_id,
        cast(lines.vendor_item_code as varchar) as vendor_item_code,
        cast(lines.charge_category as varchar) as charge_category,
        cast(lines.charge_description as varchar) as charge_description,
        cast(lines.charge_period_start_at as timestamp) as charge_period_start_at,
        cast(lines.charge_period_end_at as timestamp) as charge_period_end_at,
        lines.quantity,
        cast(lines.unit as varchar) as unit,
        lines.unit_price,
        lines.amount,
        cast(lines.currency_code as varchar) as currency_code,
        lines.rate_card_version,
        lines.quantity_base,
        cast(lines.row_status as varchar) as row_status,
    from lines
    inner join groups
        on lines.match_group_id = groups.match_group_id

)

select * from final
