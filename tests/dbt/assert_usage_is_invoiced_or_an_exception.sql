{{ config(meta={"dagster": {"ref": {"name": "fct_billing_exceptions"}}}) }}
-- depends_on: {{ ref('fct_invoice_lines') }}
-- Customer-side conservation: every rated piece of usage is invoiced once (the lines of its
-- customer, SKU and price version carry exactly the pieces' base quantity)
-- or is covered by an exception of its kind: unattributed_usage (by row, or by machine for
-- energy), price_missing (by customer, SKU and subject), late_usage (by row). Returns the
-- pieces or lines that break it.
with

rated as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}

),

invoice_lines as (

    -- Usage is invoiced on `usage` lines and, for included units, on zero-priced `included` lines;
    -- tiers split one (customer, SKU, version) over several lines.
    select
        customer_id,
        sku_id,
        price_list_version,
        sum(quantity_base) as quantity_base,
    from {{ of_billing_period(ref('fct_invoice_lines')) }}
    where line_type in ('usage', 'included')
    group by all

),

exceptions as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}

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
                and (
                    (exceptions.source_file = rated.source_file and exceptions.source_row = rated.source_row)
                    or (
                        exceptions.subject_type = rated.subject_type
                        and exceptions.subject_id = rated.subject_id
                        and (exceptions.customer_id is null or exceptions.customer_id = rated.customer_id)
                    )
                )
        )

)

select * from line_mismatches
union all
select * from uncovered
