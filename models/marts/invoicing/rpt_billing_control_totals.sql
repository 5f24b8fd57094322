{#-
    Control totals per customer, SKU and currency for the billing period, tying the rated
    usage to the invoice lines and the invoice lines to the invoice headers:
    rated_quantity_base (attributed, priced usage pieces) = invoiced_quantity_base (invoice
    lines), and the invoice header's share of the SKU = invoiced_net_amount. The header
    share is the header net minus the customer's other SKUs' line nets, so it equals the
    SKU's line net exactly when the header agrees with its lines.
    A customer whose tax rule is undecided has its priced lines held by a tax_profile_missing or
    tax_rule_missing exception (int_exceptions__untaxed_customers) instead of invoiced: they
    count as held_quantity_base and held_net_amount, and the rated usage must equal invoiced
    plus held (accounted_quantity_base), so every rated piece ends in exactly one place.
-#}

with

rated_usage as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status = 'rated'

),

invoice_lines as (

    select * from {{ of_billing_period(ref('fct_invoice_lines')) }}

),

invoices as (

    select * from {{ of_billing_period(ref('fct_invoices')) }}

),

priced_lines as (

    select * from {{ ref('int_invoice_lines__priced') }}

),

untaxed_customers as (

    select * from {{ ref('int_exceptions__untaxed_customers') }}

),

rated as (

    select
        customer_id,
        sku_id,
        -- the invoice currency (a converted piece is priced in another, int_usage__rated)
        coalesce(invoice_currency_code, currency_code) as currency_code,
        sum(quantity_base) as rated_quantity_base,
        count(*) as rated_piece_count,
    from rated_usage
    group by all

),

invoiced as (

    select
        customer_id,
        sku_id,
        currency_code,
        min(invoice_id) as invoice_id,
        -- usage quantity is carried by usage and included lines; discounts, fees and
        -- true-ups restate no usage
        sum(case when line_type in ('usage', 'included') then quantity_base else 0 end)
            as invoiced_quantity_base,
        sum(net_amount) as invoiced_net_amount,
        count(*) as invoice_line_count,
    from invoice_lines
    group by customer_id, sku_id, currency_code

),

held as (

    select
        priced_lines.customer_id,
        priced_lines.sku_id,
        priced_lines.currency_code,
        sum(
            case
                when priced_lines.line_type in ('usage', 'included') then priced_lines.quantity_base
                else 0
            end
        ) as held_quantity_base,
        sum(priced_lines.net_amount) as held_net_amount,
    from priced_lines
    where priced_lines.customer_id in (select untaxed_customers.customer_id from untaxed_customers)
    group by priced_lines.customer_id, priced_lines.sku_id, priced_lines.currency_code

),

invoiced_or_held as (

    select
        coalesce(invoiced.customer_id, held.customer_id) as customer_id,
        coalesce(invoiced.sku_id, held.sku_id) as sku_id,
        coalesce(invoiced.currency_code, held.currency_code) as currency_code,
        invoiced.invoice_id,
        invoiced.invoiced_quantity_base,
        invoiced.invoiced_net_amount,
        invoiced.invoice_line_count,
        held.held_quantity_base,
        held.held_net_amount,
    from invoiced
    full outer join held
        on invoiced.customer_id = held.customer_id
            and invoiced.sku_id = held.sku_id
            and invoiced.currency_code = held.currency_code

),

joined as (

    select
        coalesce(rated.customer_id, invoiced.customer_id) as customer_id,
        coalesce(rated.sku_id, invoiced.sku_id) as sku_id,
        coalesce(rated.currency_code, invoiced.currency_code) as currency_code,
        invoiced.invoice_id,
        coalesce(rated.rated_quantity_base, 0) as rated_quantity_base,
        coalesce(invoiced.invoiced_quantity_base, 0) as invoiced_quantity_base,
        coalesce(invoiced.invoiced_net_amount, 0) as invoiced_net_amount,
        coalesce(invoiced.invoice_line_count, 0) as invoice_line_count,
        coalesce(invoiced.held_quantity_base, 0) as held_quantity_base,
        coalesce(invoiced.held_net_amount, 0) as held_net_amount,
    from rated
    full outer join invoiced_or_held as invoiced
        on rated.customer_id = invoiced.customer_id
            and rated.sku_id = invoiced.sku_id
            and rated.currency_code = invoiced.currency_code

),

with_headers as (

    select
        joined.*,
        invoices.net_amount as header_net_amount,
        sum(joined.invoiced_net_amount)
            over (partition by joined.customer_id)
            as customer_invoiced_net_amount,
    from joined
    left join invoices
        on joined.customer_id = invoices.customer_id

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        customer_id,
        sku_id,
        currency_code,
        invoice_id,
        cast(rated_quantity_base as decimal(38, 6)) as rated_quantity_base,
        cast(invoiced_quantity_base as decimal(38, 6)) as invoiced_quantity_base,
        cast(invoiced_net_amount as decimal(18, 2)) as invoiced_net_amount,
        cast(
            coalesce(header_net_amount, 0) - (customer_invoiced_net_amount - invoiced_net_amount)
            as decimal(18, 2)
        ) as invoice_header_net_amount,
        cast(invoice_line_count as bigint) as invoice_line_count,
        rated_quantity_base = invoiced_quantity_base + held_quantity_base as is_quantity_agreed,
        coalesce(header_net_amount, 0) - (customer_invoiced_net_amount - invoiced_net_amount)
        = invoiced_net_amount as is_amount_agreed,
        cast(held_quantity_base as decimal(38, 6)) as held_quantity_base,
        cast(held_net_amount as decimal(18, 2)) as held_net_amount,
        cast(invoiced_quantity_base + held_quantity_base as decimal(38, 6)) as accounted_quantity_base,
    from with_headers

)

select * from final
