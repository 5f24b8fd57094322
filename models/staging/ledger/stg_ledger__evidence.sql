with

source as (

    select * from {{ source('ledger', 'evidence') }}

),

renamed as (

    select
        invoice_line_id,
        source_kind,
        source_file,
        file_sha256,
        usage_rows,
        quantity_base,
        first_usage_at,
        last_usage_at,
        source_id,
        subject_type,
        subject_id,
    from source

)

select * from renamed
