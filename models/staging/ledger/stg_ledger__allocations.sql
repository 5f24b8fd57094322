with

source as (

    select * from {{ source('ledger', 'allocations') }}

),

renamed as (

    select
        allocation_id,
        allocation_key,
        allocation_kind,
        source_reference,
        invoice_number,
        issuing_entity_id,
        customer_id,
        currency_code,
        cast(amount_minor as bigint) as amount_minor,
        match_rule,
        cast(value_date as date) as value_date,
        reverses_allocation_id,
        recorded_by,
        cast(recorded_at as timestamp with time zone) as recorded_at,
    from source

)

select * from renamed
