{{ config(meta={"dagster": {"ref": {"name": "int_usage__rated"}}}) }}
-- Splitting at assignment changes, price-list version changes and the period boundary
-- neither loses nor doubles a second: per usage line, the rated pieces (whatever their
-- status) add up to the line's quantity inside the period (the whole line when late).
with

lines as (

    select * from {{ ref('int_usage__unified') }}

),

expected as (

    select
        usage_line_id,
        case
            when is_late_usage then quantity_base
            when attribution_mode = 'interval'
                then units_per_second * greatest(
                        date_diff(
                            'second',
                            greatest(usage_start_at, {{ billing_period_start() }}),
                            least(usage_end_at, {{ billing_period_end() }})
                        ),
                        0
                    )
            when usage_start_at >= {{ billing_period_start() }}
                and usage_start_at < {{ billing_period_end() }}
                then quantity_base
            else 0
        end as expected_quantity_base,
    from lines

),

rated as (

    select
        usage_line_id,
        sum(quantity_base) as rated_quantity_base,
    from {{ of_billing_period(ref('int_usage__rated')) }}
    group by usage_line_id

)

select
    coalesce(expected.usage_line_id, rated.usage_line_id) as usage_line_id,
    expected.expected_quantity_base,
    rated.rated_quantity_base,
from expected
full outer join rated
    on expected.usage_line_id = rated.usage_line_id
where coalesce(expected.expected_quantity_base, 0) <> coalesce(rated.rated_quantity_base, 0)
