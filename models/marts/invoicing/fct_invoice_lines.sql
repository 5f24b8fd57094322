{#-
    Invoice lines of the billing period (docs/rating.md): the priced lines
    (int_invoice_lines__priced) of every customer whose tax rule is decided at the period start
    (int_customers__tax_rules: place of supply, reverse charge, exemptions), taxed once per line
    (macro tax_amount_minor). A customer without a tax profile in force, or whose profile leads
    to no tax rule in force, is not drafted at a guessed rate: its lines stay out of the
    invoices and are held, with their net, by a blocking tax_profile_missing or
    tax_rule_missing exception (int_exceptions__untaxed_customers) until the policy is fixed and
    the period re-run.
-#}

with

priced_lines as (

    select * from {{ ref('int_invoice_lines__priced') }}

),

tax_rules as (

    select * from {{ ref('int_customers__tax_rules') }}
    where tax_status = 'decided'

),

taxed as (

    select
        priced_lines.*,
        tax_rules.tax_rate,
        tax_rules.tax_rule_id,
        tax_rules.tax_treatment,
        tax_rules.legal_mention_code,
        tax_rules.place_of_supply_country_code,
        {{ tax_amount_minor('priced_lines.net_amount_minor', 'tax_rules.tax_rate') }} as tax_amount_minor,
    from priced_lines
    inner join tax_rules
        on priced_lines.customer_id = tax_rules.customer_id

),

final as (

    select
        invoice_line_id,
        invoice_id,
        billing_period,
        customer_id,
        sku_id,
        price_list_id,
        price_list_version,
        pricing_unit,
        base_unit,
        quantity_base,
        quantity,
        unit_price,
        currency_code,
        net_amount,
        cast(tax_rate as decimal(9, 6)) as tax_rate,
        {{ minor_units_to_amount('tax_amount_minor', 'minor_units') }} as tax_amount,
        {{ minor_units_to_amount('net_amount_minor + tax_amount_minor', 'minor_units') }} as gross_amount,
        usage_line_count,
        base_units_per_pricing_unit,
        minor_units,
        net_amount_minor,
        cast(tax_amount_minor as bigint) as tax_amount_minor,
        line_type,
        tax_rule_id,
        tax_treatment,
        legal_mention_code,
        pricing_model,
        tier_number,
        list_unit_price,
        package_size,
        committed_quantity,
        committed_discount_rate,
        markup_rate,
        cost_rate_card_id,
        cost_rate_card_version,
        cost_unit_price,
        cast(place_of_supply_country_code as varchar) as place_of_supply_country_code,
        price_currency_code,
        fx_rate_policy,
        fx_rate_date_from,
        fx_rate_date,
        fx_rate,
        fx_source,
        is_estimated,
        estimated_quantity_base,
    from taxed

)

select * from final
