{{ config(meta={"dagster": {"ref": {"name": "fct_billing_exceptions"}}}) }}
-- depends_on: {{ ref('fct_invoice_lines') }}
-- Customer-side conservation: every rated piece of usage is invoiced once (the lines of its
-- customer, SKU and price version carry exactly the pieces' base quantity), or priced on lines
-- of a customer not invoiced for want of a decided tax rule and held by that customer's
-- tax_profile_missing or tax_rule_missing exception, or is covered by an exception of its kind:
-- unattributed_usage (by row, or by machine for energy), price_missing (by customer, SKU and
-- subject), late_usage (by row). Returns the pieces or lines that break it.
with

rated as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}

),

exceptions as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}

),

priced_lines as (

    select * from {{ ref('int_invoice_lines__priced') }}

),

drafted_lines as (

    select * from {{ of_billing_period(ref('fct_invoice_lines')) }}

),

held_customers as (

    select distinct customer_id
    from exceptions
    where reason_code in ('tax_profile_missing', 'tax_rule_missing')

),

held_lines as (

    -- the priced lines of a customer whose tax rule is undecided, held by its exception
    select priced_lines.*
    from priced_lines
    inner join held_customers
        on priced_lines.customer_id = held_customers.customer_id

),

invoiced_or_held_lines as (

    select
        customer_id,
        sku_id,
        price_list_version,
        line_type,
        quantity_base,
    from drafted_lines
    union all
    select
        customer_id,
        sku_id,
        price_list_version,
        line_type,
        quantity_base,
    from held_lines

),

invoice_lines as (

    -- Usage is invoiced on `usage` lines and, for included units, on zero-priced `included` lines;
    -- tiers split one (customer, SKU, version) over several lines.
    select
        customer_id,
        sku_id,
        price_list_version,
        sum(quantity_base) as quantity_base,
    from invoiced_or_held_lines
    where line_type in ('usage', 'included')
    group by all

),

rated_lines as (

    select
        customer_id,
        sku_id,
        price_list_version,
        sum(quantity_base) as quantity_base,
    from rated
    where rating_status = 'rated'
    group by all

),

line_mismatches as (

    select
        'invoice line quantity' as problem,
        coalesce(rated_lines.customer_id, invoice_lines.customer_id) as customer_id,
        coalesce(rated_lines.sku_id, invoice_lines.sku_id) as sku_id,
    from rated_lines
    full outer join invoice_lines
        on rated_lines.customer_id = invoice_lines.customer_id
            and rated_lines.sku_id = invoice_lines.sku_id
            and rated_lines.price_list_version = invoice_lines.price_list_version
    where rated_lines.quantity_base is distinct from invoice_lines.quantity_base

),

uncovered as (

    -- two anti-joins, by row and by subject, rather than one NOT EXISTS over an OR: each is a
    -- hash join, where the OR made every unrated piece meet every exception of its reason
    select
        'no exception for ' || rated.rating_status as problem,
        rated.customer_id,
        rated.sku_id,
    from rated
    where rated.rating_status <> 'rated'
        and not exists (
            select 1
            from exceptions
            where exceptions.reason_code = rated.rating_status
                and exceptions.source_file = rated.source_file
                and exceptions.source_row = rated.source_row
        )
        and not exists (
            select 1
            from exceptions
            where exceptions.reason_code = rated.rating_status
                and exceptions.subject_type = rated.subject_type
                and exceptions.subject_id = rated.subject_id
                and (exceptions.customer_id is null or exceptions.customer_id = rated.customer_id)
        )

),

lost_lines as (

    -- a priced line (usage, discount, fee, true-up) neither drafted nor held by an exception
    select
        'priced line neither invoiced nor held' as problem,
        priced_lines.customer_id,
        priced_lines.sku_id,
    from priced_lines
    left join drafted_lines
        on priced_lines.invoice_line_id = drafted_lines.invoice_line_id
    left join held_customers
        on priced_lines.customer_id = held_customers.customer_id
    where drafted_lines.invoice_line_id is null
        and held_customers.customer_id is null

)

select * from line_mismatches
union all
select * from uncovered
union all
select * from lost_lines
