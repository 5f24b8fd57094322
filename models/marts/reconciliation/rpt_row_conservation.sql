{#-
    Row conservation per current landing file (usage, billing and reference) the billing
    period's run reads: every raw row the ingest loaded (file registry row_count) ends in exactly one of
    canonical, duplicate, quarantined or excluded (with a reason). is_balanced is false when a row was
    lost or counted twice anywhere between raw and the classification.
-#}

with

files as (

    select * from {{ ref('stg_ingest__files') }}
    where is_current
        and file_status = 'loaded'
        -- a file whose rows all speak of other months is accounted for by those months' runs
        and is_read_by_period

),

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}

),

counted as (

    select
        source_file,
        min(source_kind) as source_kind,
        count(*) as classified_rows,
        count_if(row_status = 'canonical') as canonical_rows,
        count_if(row_status = 'duplicate') as duplicate_rows,
        count_if(row_status = 'quarantined') as quarantined_rows,
        count_if(row_status = 'excluded') as excluded_rows,
        count(distinct source_row) as distinct_source_rows,
    from classified_rows
    group by source_file

),

excluded_by_reason as (

    select
        source_file,
        exclusion_reason,
        count(*) as excluded,
    from classified_rows
    where row_status = 'excluded'
    group by source_file, exclusion_reason

),

exclusions as (

    select
        source_file,
        string_agg(exclusion_reason || '=' || cast(excluded as varchar), ', ' order by exclusion_reason)
            as excluded_reasons,
    from excluded_by_reason
    group by source_file

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        coalesce(files.source_kind, counted.source_kind) as source_kind,
        coalesce(files.source_file, counted.source_file) as source_file,
        files.file_sha256,
        cast(coalesce(files.row_count, 0) as bigint) as raw_rows,
        cast(coalesce(counted.canonical_rows, 0) as bigint) as canonical_rows,
        cast(coalesce(counted.duplicate_rows, 0) as bigint) as duplicate_rows,
        cast(coalesce(counted.quarantined_rows, 0) as bigint) as quarantined_rows,
        cast(coalesce(counted.excluded_rows, 0) as bigint) as excluded_rows,
        exclusions.excluded_reasons,
        coalesce(files.row_count, 0)
        = coalesce(counted.canonical_rows, 0) + coalesce(counted.duplicate_rows, 0)
        + coalesce(counted.quarantined_rows, 0) + coalesce(counted.excluded_rows, 0)
        and coalesce(counted.distinct_source_rows, 0) = coalesce(counted.classified_rows, 0)
        and files.source_file is not null
            as is_balanced,
    from files
    full outer join counted
        on files.source_file = counted.source_file
    left join exclusions
        on coalesce(files.source_file, counted.source_file) = exclusions.source_file

)

select * from final
