with

source as (

    select * from {{ source('ledger', 'disputes') }}

),

renamed as (

    select
        dispute_event_id,
        invoice_number,
        action,
        cast(effective_date as date) as effective_date,
        reason,
        recorded_by,
        cast(recorded_at as timestamp with time zone) as recorded_at,
    from source

)

select * from renamed
