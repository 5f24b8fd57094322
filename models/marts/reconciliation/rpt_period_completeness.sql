{#-
    Whether each side of the billing period (customer usage, vendor bills) is complete or
    legitimately empty, one row per side. A side is complete when its canonical rows, if it has
    any, reached their mart (usage: rated usage pieces; vendor bills: billed reconciliation
    groups). A side with no rows at all is a legitimately empty month (a month of vendor bills
    and no usage, or of usage and no bills). The gate asserts is_complete on both sides in
    place of "at least one invoice line", which could never pass for an empty side.
    Rejected files (reference data counts with usage, since attribution needs it) are counted
    here but do not fail the gate: the run goes on and bills what was read, and each rejected
    file is a blocking layout_rejected exception, so the period cannot close until it is
    resolved.
-#}

with

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}
    where row_status = 'canonical'

),

rated_usage as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}

),

reconciliation as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}
    where billed_line_count > 0

),

rejections as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}
    where reason_code = 'layout_rejected'
        and status not in ('resolved', 'waived')

),

sides as (

    select 'usage' as landing_side
    union all
    select 'vendor_billing' as landing_side

),

canonical as (

    select
        case
            when source_kind in ({{ vendor_source_kinds() }}) then 'vendor_billing'
            when source_kind in ('slurm', 'opencost') or source_kind like 'energy_%' then 'usage'
        end as landing_side,
        count(*) as canonical_rows,
    from classified_rows
    group by all

),

rejected as (

    select
        case
            when source_system in ({{ vendor_source_kinds() }}, 'vendor_billing')
                then 'vendor_billing'
            else 'usage'
        end as landing_side,
        count(*) as rejected_files,
    from rejections
    group by all

),

carried as (

    select
        'usage' as landing_side,
        count(*) as carried_rows,
    from rated_usage
    union all
    select
        'vendor_billing' as landing_side,
        count(*) as carried_rows,
    from reconciliation

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        sides.landing_side,
        cast(coalesce(canonical.canonical_rows, 0) as bigint) as canonical_rows,
        cast(coalesce(carried.carried_rows, 0) as bigint) as carried_rows,
        cast(coalesce(rejected.rejected_files, 0) as bigint) as rejected_files,
        coalesce(canonical.canonical_rows, 0) = 0 and coalesce(rejected.rejected_files, 0) = 0 as is_empty,
        coalesce(canonical.canonical_rows, 0) = 0 or coalesce(carried.carried_rows, 0) > 0 as is_complete,
    from sides
    left join canonical
        on sides.landing_side = canonical.landing_side
    left join rejected
        on sides.landing_side = rejected.landing_side
    left join carried
        on sides.landing_side = carried.landing_side

)

select * from final
