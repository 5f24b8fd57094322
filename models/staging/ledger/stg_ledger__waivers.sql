{#-
    Waivers of blocking exceptions as `meterline close --waive-reason-code` recorded them in
    the ledger, one row per waived exception. waived_at is read in UTC whatever the session's
    time zone, so that it compares with the resolutions reference data's resolved_at.
-#}

with

source as (

    select * from {{ source('ledger', 'waivers') }}

),

renamed as (

    select
        waiver_id,
        billing_period,
        exception_id,
        reason_code,
        waived_by,
        why,
        timezone('UTC', waived_at) as waived_at,
    from source

)

select * from renamed
