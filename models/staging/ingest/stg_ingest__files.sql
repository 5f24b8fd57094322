with

source as (

    select * from {{ source('ingest', 'file_registry') }}

),

renamed as (

    select
        source_file,
        file_sha256,
        source_kind,
        source_id,
        raw_table,
        cast(row_count as bigint) as row_count,
        cast(file_version as integer) as file_version,
        {{ is_truthy('is_current') }} as is_current,
        status as file_status,
        error as file_error,
        cast(first_seen_at as timestamp) as first_seen_at,

    from source

)

select * from renamed
