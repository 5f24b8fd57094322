{#-
    `conflicting_duplicate` exceptions: copies of one usage record that disagree, one
    exception per affected subject and hour (blocking; nothing of it is billed):
    - energy: per meter and UTC hour whose interval energy is held because a reading
      opening or closing it has disagreeing copies (int_energy__intervals hold_reason),
      with the held energy and the disagreeing values;
    - slurm: per job (cluster, JobID, Submit) whose finished records disagree; the whole
      job is held (every record quarantined);
    - opencost: per allocation (cluster, day, namespace, pod, container) whose copies
      disagree; that day is held (every copy quarantined).
    Raised in the period the reading, job or day belongs to.
-#}

with

energy_readings as (

    select * from {{ ref('int_energy_readings__deduplicated') }}
    where is_conflicting

),

energy_intervals as (

    select * from {{ ref('int_energy__intervals') }}
    where hold_reason = 'conflicting_duplicate'

),

slurm_jobs as (

    select * from {{ ref('int_slurm_jobs__deduplicated') }}
    where is_conflicting

),

opencost_allocations as (

    select * from {{ ref('int_opencost_allocations__deduplicated') }}
    where is_conflicting

),

conflicting_readings as (

    select
        site_id,
        meter_id,
        reading_at,
        count(*) as copy_count,
        string_agg(
            distinct cast(coalesce(counter_value, interval_energy_joules, watts) as varchar),
            ' vs ' order by cast(coalesce(counter_value, interval_energy_joules, watts) as varchar)
        ) as reading_values,
        min(reading_format) as reading_format,
    from energy_readings
    group by site_id, meter_id, reading_at

),

held_hours as (

    select
        site_id,
        meter_id,
        hour_start_at,
        min(interval_start_at) as first_start_at,
        max(interval_end_at) as last_end_at,
        sum(held_energy_joules) as held_energy_joules,
        arg_min(source_file, (interval_start_at, source_file, source_row)) as source_file,
        arg_min(source_row, (interval_start_at, source_file, source_row)) as source_row,
    from energy_intervals
    group by site_id, meter_id, hour_start_at

),

energy_exceptions as (

    select
        'energy' as source_system,
        held_hours.source_file,
        held_hours.source_row,
        held_hours.site_id,
        'meter' as subject_type,
        held_hours.meter_id as subject_id,
        cast(null as varchar) as job_id,
        held_hours.held_energy_joules as quantity_base,
        'readings of meter ' || held_hours.meter_id || ' disagree: '
        || string_agg(
            strftime(conflicting_readings.reading_at, '%Y-%m-%dT%H:%M:%SZ') || ' says '
            || conflicting_readings.reading_values || ' (' || conflicting_readings.copy_count || ' copies)',
            '; ' order by conflicting_readings.reading_at
        )
        || '; energy of the hour from ' || strftime(held_hours.hour_start_at, '%Y-%m-%dT%H:%M:%SZ')
        || ' held, not billed, until one copy is corrected' as detail,
    from held_hours
    inner join conflicting_readings
        on held_hours.site_id = conflicting_readings.site_id
            and held_hours.meter_id = conflicting_readings.meter_id
            and held_hours.first_start_at <= conflicting_readings.reading_at
            and held_hours.last_end_at >= conflicting_readings.reading_at
    group by
        held_hours.site_id,
        held_hours.meter_id,
        held_hours.hour_start_at,
        held_hours.source_file,
        held_hours.source_row,
        held_hours.held_energy_joules

),

slurm_exceptions as (

    select
        'slurm' as source_system,
        min(source_file) as source_file,
        arg_min(source_row, source_file || '|' || lpad(cast(source_row as varchar), 12, '0')) as source_row,
        cast(null as varchar) as site_id,
        'job' as subject_type,
        job_id as subject_id,
        job_id,
        cast(null as decimal(38, 6)) as quantity_base,
        'job ' || job_id || ' of cluster ' || cluster_id || ' submitted '
        || strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ')
        || ' has '
        || count(*)
        || ' finished records that disagree: '
        || string_agg(
            distinct job_state_code
            || ' from '
            || coalesce(strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), 'never')
            || ' for ' || elapsed_seconds || ' s (account ' || coalesce(slurm_account, '?') || ')',
            ' vs '
            order by
                job_state_code
                || ' from '
                || coalesce(strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), 'never')
                || ' for ' || elapsed_seconds || ' s (account ' || coalesce(slurm_account, '?') || ')'
        )
        || '; the job is held, not billed, until one record is corrected' as detail,
    from slurm_jobs
    group by cluster_id, job_id, submitted_at
    having bool_or(
            usage_start_at < {{ billing_period_end() }} and usage_end_at > {{ billing_period_start() }}
        )

),

opencost_exceptions as (

    select
        'opencost' as source_system,
        min(source_file) as source_file,
        arg_min(source_row, source_file || '|' || lpad(cast(source_row as varchar), 12, '0')) as source_row,
        cast(null as varchar) as site_id,
        'k8s_namespace' as subject_type,
        namespace as subject_id,
        cast(null as varchar) as job_id,
        cast(null as decimal(38, 6)) as quantity_base,
        'allocation of ' || namespace || '/' || coalesce(pod_name, '') || '/' || coalesce(container_name, '')
        || ' on cluster ' || cluster_id || ' for ' || cast(usage_date as varchar) || ' has ' || count(*)
        || ' copies that disagree: '
        || string_agg(
            distinct coalesce(cast(cpu_core_seconds as varchar), '?') || ' core-s / '
            || coalesce(cast(ram_byte_seconds as varchar), '?') || ' byte-s',
            ' vs '
            order by
                coalesce(cast(cpu_core_seconds as varchar), '?') || ' core-s / '
                || coalesce(cast(ram_byte_seconds as varchar), '?') || ' byte-s'
        )
        || '; the day is held, not billed, until one copy is corrected' as detail,
    from opencost_allocations
    group by cluster_id, usage_date, namespace, pod_name, container_name
    having bool_or(is_in_period)

),

conflicts as (

    select * from energy_exceptions
    union all
    select * from slurm_exceptions
    union all
    select * from opencost_exceptions

),

final as (

    select
        'conflicting_duplicate' as reason_code,
        source_system,
        source_file,
        cast(source_row as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        job_id,
        cast(null as varchar) as sku_id,
        cast(quantity_base as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        detail,
    from conflicts

)

select * from final
