{{ config(meta={"dagster": {"ref": {"name": "fct_margin"}}}) }}
-- Margin revenue ties out with the invoices: per customer and period, fct_margin's revenue
-- (usage lines spread over capacities, lines without usage of their own spread over the
-- customer's capacities, each split by the largest remainder) adds up to the customer's invoice
-- line nets to the minor unit, in the invoice currency. Returns the customers that differ.
with

margin as (

    select * from {{ of_billing_period(ref('fct_margin')) }}

),

invoice_lines as (

    select * from {{ of_billing_period(ref('fct_invoice_lines')) }}

),

margin_revenue as (

    select
        customer_id,
        revenue_currency_code as currency_code,
        sum(revenue_amount) as revenue_amount,
    from margin
    where customer_id is not null
        and revenue_currency_code is not null
    group by all

),

invoiced as (

    select
        customer_id,
        currency_code,
        sum(net_amount) as net_amount,
    from invoice_lines
    group by all

),

final as (

    select
        coalesce(invoiced.customer_id, margin_revenue.customer_id) as customer_id,
        coalesce(invoiced.currency_code, margin_revenue.currency_code) as currency_code,
        invoiced.net_amount,
        margin_revenue.revenue_amount,
    from invoiced
    full outer join margin_revenue
        on invoiced.customer_id = margin_revenue.customer_id
            and invoiced.currency_code = margin_revenue.currency_code
    where coalesce(invoiced.net_amount, 0) <> coalesce(margin_revenue.revenue_amount, 0)

)

select * from final
