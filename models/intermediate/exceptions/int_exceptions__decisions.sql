{#-
    The decision that sets each decided exception's status, one row per exception: the latest
    of the valid rows of the resolutions reference data (stg_reference__exception_resolutions)
    and the ledger's waivers of the billing period (stg_ledger__waivers, recorded by
    `meterline close --waive-reason-code`). Latest decision wins, by decided_at; on the same
    instant the ledger waiver wins (it was audited at close), then the later resolutions file
    and row. A decision recorded after a waiver (e.g. a credit once the customer is known)
    therefore replaces it, and a waiver replaces an earlier reference decision.
-#}

with

resolutions as (

    select * from {{ ref('stg_reference__exception_resolutions') }}
    where quarantine_reason is null

),

waivers as (

    select * from {{ ref('stg_ledger__waivers') }}
    where billing_period = {{ billing_period_literal() }}

),

decisions as (

    select
        exception_id,
        action,
        resolved_by as decided_by,
        resolved_at as decided_at,
        note as decision_note,
        source_file as resolution_source_file,
        source_row as resolution_source_row,
        cast(null as varchar) as waiver_id,
        1 as decision_rank,
    from resolutions

    union all

    select
        exception_id,
        'waive' as action,
        waived_by as decided_by,
        waived_at as decided_at,
        why as decision_note,
        cast(null as varchar) as resolution_source_file,
        cast(null as bigint) as resolution_source_row,
        waiver_id,
        2 as decision_rank,
    from waivers

),

ranked as (

    -- the latest decision of each exception (a filter on the window rather than QUALIFY, which not
    -- every engine has)
    select
        *,
        row_number() over (
            partition by exception_id
            order by
                decided_at desc,
                decision_rank desc,
                resolution_source_file desc nulls last,
                resolution_source_row desc nulls last,
                waiver_id desc nulls last
        ) as decision_order,
    from decisions

),

final as (

    select
        exception_id,
        action,
        decided_by,
        decided_at,
        decision_note,
        resolution_source_file,
        resolution_source_row,
        waiver_id,
    from ranked
    where decision_order = 1

)

select * from final
