-- A view, not a table: its readers filter it (quarantined rows, reason codes) or aggregate it,
-- each reading the deduplicated tables under it about as fast as it would read a copy; the copy
-- cost a write of every raw row each run (5M rows: 2.4-2.6 s; 50M: the 61 s node).
{{ config(materialized='view') }}

{#-
    Every current raw row of every source, once, with where it ended in this billing
    period: `canonical`, `duplicate` (pointing at its canonical row), `quarantined` or
    `excluded` (with a reason). Usage and billing rows come from their classification
    models; reference rows (customers, assignments, machines) are canonical unless
    quarantined. The single source of row conservation, of int_quarantine__rows and of the
    row-level exceptions (duplicates, requeued attempts, late usage, double billing,
    invalid values).
-#}

{%- set reference_models = [
    ('reference_customers', 'stg_reference__customers', 'cast(null as varchar)', 'cast(null as varchar)'),
    ('reference_assignments', 'stg_reference__assignments', 'subject_type', 'subject_id'),
    ('reference_machines', 'stg_reference__machines', "'machine'", 'machine_id'),
    ('reference_exception_resolutions', 'stg_reference__exception_resolutions', 'cast(null as varchar)', 'cast(null as varchar)'),
    ('reference_fx_rates', 'stg_reference__fx_rates', 'cast(null as varchar)', 'cast(null as varchar)'),
] -%}

with

slurm_rows as (

    select
        'slurm' as source_kind,
        cluster_id as source_id,
        source_file,
        source_row,
        row_status,
        reason_code,
        exclusion_reason,
        canonical_source_file,
        canonical_source_row,
        is_file_in_period,
        'job' as subject_type,
        job_id as subject_id,
        job_id,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as {{ vendor_amount_type() }}) as billed_amount,
        cast(null as varchar) as currency_code,
        case
            when reason_code = 'requeued_attempt'
                then 'requeued attempt of job ' || job_id || ' (started '
                    || coalesce(strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), 'never')
                    || '); the final attempt is ' || canonical_source_file || ' row ' || canonical_source_row
            when reason_code = 'duplicate_usage'
                then 'copy of job '
                    || job_id
                    || ' at '
                    || canonical_source_file
                    || ' row '
                    || canonical_source_row
            when reason_code = 'late_usage'
                then 'job ' || job_id || ' ran ' || strftime(usage_start_at, '%Y-%m-%dT%H:%M:%SZ') || ' - '
                    || strftime(usage_end_at, '%Y-%m-%dT%H:%M:%SZ') || ', before the billing period'
            else quarantine_detail
        end as detail,
    from {{ ref('int_slurm_jobs__deduplicated') }}

),

opencost_rows as (

    select
        'opencost' as source_kind,
        cluster_id as source_id,
        source_file,
        source_row,
        row_status,
        reason_code,
        exclusion_reason,
        canonical_source_file,
        canonical_source_row,
        is_file_in_period,
        'k8s_namespace' as subject_type,
        namespace as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as {{ vendor_amount_type() }}) as billed_amount,
        cast(null as varchar) as currency_code,
        case
            when reason_code = 'duplicate_usage'
                then 'copy of the ' || cast(usage_date as varchar) || ' allocation of ' || namespace || '/'
                    || coalesce(pod_name, '') || '/' || coalesce(container_name, '') || ' at '
                    || canonical_source_file || ' row ' || canonical_source_row
            when reason_code = 'late_usage'
                then 'allocation of ' || cast(usage_date as varchar) || ', before the billing period'
            else quarantine_detail
        end as detail,
    from {{ ref('int_opencost_allocations__deduplicated') }}

),

energy_rows as (

    select
        source_kind,
        site_id as source_id,
        source_file,
        source_row,
        row_status,
        reason_code,
        exclusion_reason,
        canonical_source_file,
        canonical_source_row,
        is_file_in_period,
        'meter' as subject_type,
        meter_id as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as vendor_sku_id,
        site_id,
        cast(null as varchar) as resource_id,
        cast(null as {{ vendor_amount_type() }}) as billed_amount,
        cast(null as varchar) as currency_code,
        case
            when reason_code = 'duplicate_usage'
                then 'copy of the ' || strftime(reading_at, '%Y-%m-%dT%H:%M:%SZ') || ' reading of meter '
                    || meter_id || ' at ' || canonical_source_file || ' row ' || canonical_source_row
            else quarantine_detail
        end as detail,
    from {{ ref('int_energy_readings__deduplicated') }}

),

vendor_rows as (

    select
        source_kind,
        vendor_id as source_id,
        source_file,
        source_row,
        row_status,
        case
            when reason_code = 'double_billed' and not is_in_period then null
            else reason_code
        end as reason_code,
        exclusion_reason,
        canonical_source_file,
        canonical_source_row,
        is_file_in_period,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        vendor_id,
        vendor_item_code,
        vendor_sku_id,
        site_id,
        resource_id,
        billed_amount,
        currency_code,
        case
            when reason_code = 'double_billed'
                then 'same charge as ' || canonical_source_file || ' row ' || canonical_source_row
                    || ' (invoice '
                    || coalesce(invoice_id, '?')
                    || ', item '
                    || coalesce(vendor_item_code, '?')
                    || ')'
            else quarantine_detail
        end as detail,
    from {{ ref('int_vendor_charges__unified') }}
    -- One row per raw row: credits listed inside a row (line 2..) share the row's fate.
    where line_number_in_row = 1

),

reference_rows as (

    {%- for source_kind, model, subject_type, subject_id in reference_models %}

    select
        '{{ source_kind }}' as source_kind,
        'reference' as source_id,
        source_file,
        source_row,
        case when quarantine_reason is null then 'canonical' else 'quarantined' end as row_status,
        quarantine_reason as reason_code,
        cast(null as varchar) as exclusion_reason,
        cast(null as varchar) as canonical_source_file,
        cast(null as bigint) as canonical_source_row,
        true as is_file_in_period,
        {{ subject_type }} as subject_type,  -- noqa: AL09 (the expression is a column only for some models)
        {{ subject_id }} as subject_id,  -- noqa: AL09
        cast(null as varchar) as job_id,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as {{ vendor_amount_type() }}) as billed_amount,
        cast(null as varchar) as currency_code,
        quarantine_detail as detail,
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

unioned as (

    select * from slurm_rows
    union all
    select * from opencost_rows
    union all
    select * from energy_rows
    union all
    select * from vendor_rows
    union all
    select * from reference_rows

),

final as (

    select
        {{ billing_period_literal() }} as billing_period,
        *,
    from unioned

)

select * from final
