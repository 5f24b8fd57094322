{#-
    Invoiced revenue per billing period, customer and currency: the period's invoices as
    drafted for billing (fct_invoices), summed without conversion, so every figure stays in
    the currency it is invoiced in. The finance report draws month over month from the
    periods kept side by side in this mart.
-#}

with

invoices as (

    select * from {{ of_billing_period(ref('fct_invoices')) }}

),

final as (

    select
        billing_period,
        customer_id,
        min(customer_name) as customer_name,
        currency_code,
        count(*) as invoice_count,
        cast(sum(net_amount) as decimal(18, 2)) as net_amount,
        cast(sum(tax_amount) as decimal(18, 2)) as tax_amount,
        cast(sum(gross_amount) as decimal(18, 2)) as gross_amount,
    from invoices
    group by billing_period, customer_id, currency_code

)

select * from final
