with

source as (

    select * from {{ source('ledger', 'approvals') }}

),

renamed as (

    select
        approval_id,
        invoice_number,
        approved_by,
        note,
        approved_at,
    from source

)

select * from renamed
