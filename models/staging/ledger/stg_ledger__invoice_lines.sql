with

source as (

    select * from {{ source('ledger', 'invoice_lines') }}

),

renamed as (

    select
        invoice_line_id,
        invoice_number,
        line_number,
        draft_invoice_line_id,
        line_type,
        sku_id,
        price_list_id,
        price_list_version,
        pricing_unit,
        base_unit,
        base_units_per_pricing_unit,
        quantity_base,
        quantity,
        unit_price,
        net_amount_minor,
        tax_rate,
        tax_amount_minor,
        tax_rule_id,
        tax_treatment,
        legal_mention_code,
        is_estimated,
        usage_line_count,
        original_invoice_line_id,
        adjustment_reason_code,
        price_currency_code,
        fx_rate,
        fx_rate_date,
    from source

)

select * from renamed
