with

source as (

    select * from {{ source('ledger', 'rate_card_versions') }}

),

renamed as (

    select
        policy_kind,
        policy_id,
        cast(version as integer) as version,
        fingerprint,
        first_closed_period,
        close_id,
    from source

)

select * from renamed
