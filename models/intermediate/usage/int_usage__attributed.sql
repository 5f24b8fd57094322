{#-
    Usage lines attributed to customers (contract section 4, attribution): an as-of join of
    each line to its subject's assignment segments, in one pass. Interval lines (Slurm) join
    every segment they overlap, so they are split to the second wherever the assignment
    changes; start lines (OpenCost days, energy hours) probe only their first microsecond,
    so they take the one segment in force at their start and stay whole. Pieces without
    exactly one assignment keep a null customer and a non-`attributed` status: never billed.
-#}

with

lines as (

    select
        *,
        case
            when attribution_mode = 'interval' then usage_end_at
            else usage_start_at + interval 1 microsecond
        end as attribution_probe_end_at,
    from {{ ref('int_usage__unified') }}

),

segments as (

    select * from {{ ref('int_assignments__segmented') }}

),

pieces as (

    select
        lines.*,
        {{ usage_piece_start('lines.attribution_mode', 'segments.segment_start_at', 'lines.usage_start_at') }}
            as piece_start_at,
        {{ usage_piece_end('lines.attribution_mode', 'segments.segment_end_at', 'lines.usage_end_at') }}
            as piece_end_at,
        segments.assignment_id,
        segments.customer_id,
        coalesce(segments.attribution_status, 'unattributed') as attribution_status,
        segments.attribution_detail,
    from lines
    left join segments
        on lines.subject_type = segments.subject_type
            and lines.subject_id = segments.subject_id
            and lines.attribution_probe_end_at > segments.segment_start_at
            and lines.usage_start_at < segments.segment_end_at

),

final as (

    select
        usage_line_id,
        source_kind,
        source_id,
        source_file,
        source_row,
        job_id,
        subject_type,
        subject_id,
        sku_id,
        base_unit,
        usage_start_at,
        usage_end_at,
        attribution_mode,
        units_per_second,
        quantity_base as line_quantity_base,
        is_estimated,
        is_late_usage,
        piece_start_at,
        piece_end_at,
        case
            when attribution_mode = 'interval'
                then cast(
                        units_per_second * date_diff('second', piece_start_at, piece_end_at) as decimal(38, 6)
                    )
            else quantity_base
        end as quantity_base,
        assignment_id,
        customer_id,
        attribution_status,
        coalesce(
            attribution_detail,
            case
                when attribution_status = 'unattributed'
                    then 'no assignment covers ' || subject_type || ' ' || subject_id
                        || ' at ' || strftime(piece_start_at, '%Y-%m-%dT%H:%M:%SZ')
            end
        ) as attribution_detail,
    from pieces

)

select * from final
