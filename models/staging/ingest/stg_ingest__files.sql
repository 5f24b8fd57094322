with

source as (

    select * from {{ source('ingest', 'file_registry') }}

),

period_files as (

    {{ period_file_versions(source('ingest', 'file_registry')) }}

),

renamed as (

    select
        source.source_file,
        source.file_sha256,
        source.source_kind,
        source.source_id,
        source.raw_table,
        cast(source.row_count as bigint) as row_count,
        cast(source.file_version as integer) as file_version,
        {{ is_truthy('source.is_current') }} as is_current,
        source.status as file_status,
        source.error as file_error,
        cast(source.first_seen_at as timestamp) as first_seen_at,
        cast(source.first_event_date as date) as first_event_date,
        cast(source.last_event_date as date) as last_event_date,
        coalesce(period_files.is_read_by_period, false) as is_read_by_period,

    from source
    left join period_files
        on source.source_file = period_files.source_file
            and source.file_sha256 = period_files.file_sha256

),

final as (

    select * from renamed

)

select * from final
