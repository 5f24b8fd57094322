with

source as (

    select * from {{ source('ledger', 'closes') }}

),

renamed as (

    select
        close_id,
        billing_period,
        cast(billing_period || '-01 00:00:00' as timestamp) as period_start_at,
        cast(billing_period || '-01 00:00:00' as timestamp) + interval 1 month as period_end_at,
        -- the same cast as the file registry's first_seen_at, so the two compare
        cast(closed_at as timestamp) as closed_at,
        closed_by,
        run_id,
        code_version,
        dbt_project_sha256,
        content_sha256,
        rate_card_versions,
        gate_results,
        document_count,
        waiver_count,
    from source

)

select * from renamed
