with

source as (

    select * from {{ source('ledger', 'closes') }}

),

renamed as (

    select
        close_id,
        billing_period,
        closed_at,
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
