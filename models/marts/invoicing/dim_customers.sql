{#- Customers meterline can invoice (valid reference rows), with their price list, currency and tax rate for the billing period. -#}

with

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

currencies as (

    select * from {{ ref('currencies') }}

),

tax_rates as (

    select * from {{ ref('tax_rates') }}
    where effective_from <= cast({{ billing_period_start() }} as date)
        and coalesce(effective_to, cast('infinity' as date)) > cast({{ billing_period_start() }} as date)

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
        cast(tax_rates.tax_rate as decimal(9, 6)) as tax_rate,
        tax_rates.tax_name,
        customers.source_file,
        customers.source_row,
    from customers
    left join currencies
        on customers.currency_code = currencies.currency_code
    left join tax_rates
        on customers.country_code = tax_rates.country_code

)

select * from final
