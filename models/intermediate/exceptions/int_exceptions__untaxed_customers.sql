{#-
    tax_profile_missing and tax_rule_missing: one exception per customer with priced lines in the
    billing period (usage, discounts, fees, true-ups: int_invoice_lines__priced) whose tax rule
    is not decided at the period start (int_customers__tax_rules). Guessing would cost money
    (domestic VAT charged to a reverse-charged or exempt business, or VAT owed and not
    charged), so the lines are not drafted (fct_invoice_lines) and the exception holds them:
    amount_at_risk is the net they would have invoiced, in the invoice currency. A customer
    absent from the tax rules (no issuing entity) is tax_rule_missing too. Once the profile or
    rule is added, the next run of the period invoices the customer and raises nothing.
-#}

with

priced_lines as (

    select * from {{ ref('int_invoice_lines__priced') }}

),

tax_rules as (

    select * from {{ ref('int_customers__tax_rules') }}

),

held_lines as (

    select
        priced_lines.customer_id,
        coalesce(tax_rules.tax_status, 'tax_rule_missing') as reason_code,
        coalesce(tax_rules.tax_status_detail, 'no issuing entity, so no tax rule can be decided')
            as tax_status_detail,
        priced_lines.currency_code,
        priced_lines.minor_units,
        priced_lines.net_amount_minor,
    from priced_lines
    left join tax_rules
        on priced_lines.customer_id = tax_rules.customer_id
    where tax_rules.tax_status is distinct from 'decided'

),

held_customers as (

    select
        reason_code,
        customer_id,
        currency_code,
        min(tax_status_detail) as tax_status_detail,
        min(minor_units) as minor_units,
        sum(net_amount_minor) as net_amount_minor,
        count(*) as line_count,
    from held_lines
    group by reason_code, customer_id, currency_code

),

final as (

    select
        reason_code,
        -- the missing input is the customer's tax reference (billing policy seeds)
        'reference' as source_system,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        'customer' as subject_type,
        customer_id as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast({{ minor_units_to_amount('net_amount_minor', 'minor_units') }} as decimal(38, 6))
            as amount_at_risk,
        currency_code,
        tax_status_detail || '; not invoiced until a tax rule is decided: ' || line_count
        || ' priced line(s), net '
        || cast({{ minor_units_to_amount('net_amount_minor', 'minor_units') }} as varchar) || ' '
        || currency_code as detail,
    from held_customers

)

select * from final
