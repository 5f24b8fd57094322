{#-
    Draft invoices of the billing period: one per customer with invoice lines, in the
    customer's currency. Net = sum of line nets, tax = sum of line taxes (each rounded once
    on its line), gross = net + tax.
-#}

with

invoice_lines as (

    select * from {{ of_billing_period(ref('fct_invoice_lines')) }}

),

customers as (

    select * from {{ of_billing_period(ref('dim_customers')) }}

),

invoices as (

    select
        invoice_id,
        billing_period,
        customer_id,
        min(currency_code) as currency_code,
        count(*) as line_count,
        sum(net_amount_minor) as net_amount_minor,
        sum(tax_amount_minor) as tax_amount_minor,
        min(minor_units) as minor_units,
    from invoice_lines
    group by invoice_id, billing_period, customer_id

),

final as (

    select
        invoices.invoice_id,
        invoices.billing_period,
        invoices.customer_id,
        customers.customer_name,
        customers.country_code,
        invoices.currency_code,
        cast(invoices.line_count as bigint) as line_count,
        {{ minor_units_to_amount('invoices.net_amount_minor', 'invoices.minor_units') }} as net_amount,
        {{ minor_units_to_amount('invoices.tax_amount_minor', 'invoices.minor_units') }} as tax_amount,
        {{ minor_units_to_amount(
            'invoices.net_amount_minor + invoices.tax_amount_minor', 'invoices.minor_units'
        ) }}
            as gross_amount,
    from invoices
    left join customers
        on invoices.customer_id = customers.customer_id

)

select * from final
