{#-
    `layout_rejected` per landing file rejected at ingest (vendor bill, scheduler dump, energy
    readings, reference data: unknown or drifted layout, unreadable) that is still the current
    version of its path. It blocks the period until a corrected file replaces it (the rejected
    version then stops being current): without it the month would close short of a cluster's
    usage or a site's energy, in silence. The source system, vendor and site come from the
    landing path (<area>/<format>/<source id>/...) when ingest could not read them.
-#}

with

rejected_files as (

    select
        *,
        split_part(source_file, '/', 1) as landing_area,
        split_part(source_file, '/', 2) as landing_format,
        split_part(source_file, '/', 3) as landing_source_id,
    from {{ ref('stg_ingest__files') }}
    where is_current
        and file_status = 'rejected'

),

final as (

    select
        'layout_rejected' as reason_code,
        case
            when landing_area = 'vendor_billing'
                and landing_format in ('focus', 'colo', 'aws_cur', 'azure', 'gcp', 'oci')
                then landing_format
            when landing_area = 'scheduler' and landing_format in ('slurm', 'opencost') then landing_format
            when landing_area in ('vendor_billing', 'scheduler', 'energy', 'reference') then landing_area
            else 'landing'
        end as source_system,
        source_file,
        cast(null as bigint) as source_row,
        case
            when landing_area = 'vendor_billing' then coalesce(source_id, nullif(landing_source_id, ''))
        end as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        case when landing_area = 'energy' then coalesce(source_id, nullif(landing_format, '')) end as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        file_error as detail,
    from rejected_files

)

select * from final
