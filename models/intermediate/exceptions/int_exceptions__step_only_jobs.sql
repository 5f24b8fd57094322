{#-
    step_only_job: a Slurm job known only from its step rows that no step row can bill (no
    subject, no start or no allocation on any of them), one exception per job, for files
    delivered for this period. Step-only jobs that can be billed are billed from their
    largest step (int_slurm_jobs__deduplicated) and raise nothing.
-#}

with

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}
    where reason_code = 'step_only_job'
        and is_file_in_period

),

final as (

    select
        reason_code,
        source_kind as source_system,
        source_file,
        source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        detail,
    from classified_rows

)

select * from final
