{#-
    Each subject's (slurm account, namespace, machine) whole time line cut into segments at
    every assignment change, with the customer in force in each: `attributed` when exactly
    one valid assignment covers the segment and its customer exists, otherwise
    `unattributed` (no assignment), `ambiguous` (overlapping assignments) or
    `unknown_customer`. Usage is split on these segments, so a change mid-job splits the
    job to the second.
-#}

with

assignments as (

    select * from {{ ref('stg_reference__assignments') }}
    where quarantine_reason is null

),

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

segments as (

    {{ effective_dated_segments(
        'assignments', ['subject_type', 'subject_id'], 'effective_from_at', 'effective_to_at'
    ) }}

),

covering as (

    select
        segments.subject_type,
        segments.subject_id,
        segments.segment_start_at,
        segments.segment_end_at,
        count(assignments.assignment_id) as assignment_count,
        min(assignments.assignment_id) as assignment_id,
        min(assignments.customer_id) as customer_id,
        string_agg(assignments.assignment_id, ', ' order by assignments.assignment_id) as assignment_ids,
    from segments
    left join assignments
        on segments.subject_type = assignments.subject_type
            and segments.subject_id = assignments.subject_id
            and segments.segment_start_at >= assignments.effective_from_at
            and coalesce(assignments.effective_to_at, cast('infinity' as timestamp))
            >= segments.segment_end_at
    group by all

),

final as (

    select
        covering.subject_type,
        covering.subject_id,
        covering.segment_start_at,
        covering.segment_end_at,
        covering.assignment_count,
        case when covering.assignment_count = 1 then covering.assignment_id end as assignment_id,
        case
            when covering.assignment_count = 1 and customers.customer_id is not null
                then covering.customer_id
        end as customer_id,
        case
            when covering.assignment_count = 0 then 'unattributed'
            when covering.assignment_count > 1 then 'ambiguous'
            when customers.customer_id is null then 'unknown_customer'
            else 'attributed'
        end as attribution_status,
        case
            when covering.assignment_count > 1
                then 'overlapping assignments ' || covering.assignment_ids
            when covering.assignment_count = 1 and customers.customer_id is null
                then 'assignment '
                    || covering.assignment_id
                    || ' names unknown customer '
                    || covering.customer_id
        end as attribution_detail,
    from covering
    left join customers
        on covering.customer_id = customers.customer_id
            and covering.assignment_count = 1

)

select * from final
