with

source as (

    select * from {{ source('ledger', 'dunning_stage_changes') }}

),

renamed as (

    select
        change_id,
        cast(as_of_date as date) as as_of_date,
        invoice_number,
        issuing_entity_id,
        customer_id,
        currency_code,
        cast(due_date as date) as due_date,
        from_stage,
        to_stage,
        cast(open_minor as bigint) as open_minor,
        cast(days_past_due as integer) as days_past_due,
        rule,
        reason,
        recorded_by,
        cast(recorded_at as timestamp with time zone) as recorded_at,
    from source

)

select * from renamed
