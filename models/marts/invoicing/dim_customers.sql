{#- Customers meterline can invoice (valid reference rows), with their price list, currency and tax rule
    for the billing period. -#}

with

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

currencies as (

    select * from {{ ref('currencies') }}

),

tax_rules as (

    select * from {{ ref('int_customers__tax_rules') }}

),

final as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.country_code,
        customers.currency_code,
        cast(currencies.minor_units as integer) as minor_units,
        customers.price_list_id,
        customers.language_code,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(tax_rules.tax_rate as decimal(9, 6)) as tax_rate,
        tax_rules.tax_name,
        customers.source_file,
        customers.source_row,
        tax_rules.tax_rule_id,
        tax_rules.tax_treatment,
        tax_rules.legal_mention_code,
        tax_rules.customer_type,
        tax_rules.vat_number,
        tax_rules.issuing_entity_id,
    from customers
    left join currencies
        on customers.currency_code = currencies.currency_code
    left join tax_rules
        on customers.customer_id = tax_rules.customer_id

)

select * from final
