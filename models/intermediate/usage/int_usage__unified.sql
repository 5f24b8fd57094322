{{ config(materialized='table') }}

{#-
    Canonical usage lines of every source in one shape, quantities exact in base units:
    - Slurm job rows: cpu / gpu-by-type / memory lines over [Start, Start + ElapsedRaw),
      attributed and priced per second (`attribution_mode = 'interval'`);
    - OpenCost rows: `k8s_cpu_core_hour` = max(request, usage) cores x 86400 core-seconds and
      `k8s_memory_gib_hour` = max(request, usage) bytes x 86400 byte-seconds (CSV export), or
      cpuCoreHours / ramByteHours x 3600 (`/allocation` API); the whole day belongs to the
      assignment and price at its start (`attribution_mode = 'start'`);
    - shared Kubernetes overhead of `share_overhead` clusters: `k8s_idle_cpu_core_hour` and
      `k8s_idle_memory_gib_hour` per namespace, their own lines so an invoice can show them;
    - dedicated machines' energy: `energy_kwh` in joules per UTC hour (`'start'` as well);
    - facility overhead of `pue_factor` sites: `energy_overhead_kwh` per machine and hour, its
      own line so the invoice can show it or not (int_energy__facility_overhead);
    - energy an `estimate` site estimated across a meter gap is its own line per hour,
      `is_estimated` (measured usage never is), billed only where the contract allows it.
    Lines with zero quantity are dropped. Late lines are kept and flagged.
    A table: attribution, its tests and the rating conservation test read it, and as a view
    each of them would union every source (and aggregate the month's energy) again.
-#}

with

slurm_lines as (

    select * from {{ ref('int_slurm_jobs__itemised') }}

),

allocations as (

    select * from {{ ref('int_opencost_allocations__deduplicated') }}
    where (row_status = 'canonical' or exclusion_reason = 'late_usage')
        and not is_overhead_namespace

),

overhead_shares as (

    select * from {{ ref('int_opencost_overhead__shared') }}
    where namespace is not null

),

hourly_energy as (

    select * from {{ ref('int_energy__hourly') }}

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null
        and billing_mode = 'dedicated'

),

opencost_resources as (

    select
        *,
        {%- set resource_list %}
        [
            {
                'sku_id': 'k8s_cpu_core_hour',
                'base_unit': 'core_second',
                'units': greatest(coalesce(cpu_core_request_average, 0), coalesce(cpu_core_usage_average, 0)),
                'quantity': cpu_core_seconds
            },
            {
                'sku_id': 'k8s_memory_gib_hour',
                'base_unit': 'byte_second',
                'units': greatest(
                    coalesce(ram_bytes_request_average, 0), coalesce(ram_bytes_usage_average, 0)
                ),
                'quantity': ram_byte_seconds
            }
        ]
        {%- endset %}
        {{ list_rows(resource_list) }} as resource,
    from allocations

),

opencost_lines as (

    select
        {{ stable_hash(["'opencost'", 'source_file', 'source_row', 'resource.sku_id']) }} as usage_line_id,
        'opencost' as source_kind,
        opencost_resources.cluster_id as source_id,
        opencost_resources.source_file,
        opencost_resources.source_row,
        cast(null as varchar) as job_id,
        'k8s_namespace' as subject_type,
        opencost_resources.namespace as subject_id,
        resource.sku_id,
        resource.base_unit,
        opencost_resources.usage_start_at,
        opencost_resources.usage_end_at,
        'start' as attribution_mode,
        cast(
            case opencost_resources.record_format
                when 'api' then resource.quantity / 86400 else resource.units
            end
            as decimal(38, 6)
        ) as units_per_second,
        cast(resource.quantity as decimal(38, 6)) as quantity_base,
        coalesce(exclusion_reason = 'late_usage', false) as is_late_usage,
    from opencost_resources

),

overhead_share_lines as (

    select
        usage_line_id,
        'opencost' as source_kind,
        cluster_id as source_id,
        source_file,
        source_row,
        cast(null as varchar) as job_id,
        'k8s_namespace' as subject_type,
        namespace as subject_id,
        sku_id,
        base_unit,
        usage_start_at,
        usage_end_at,
        'start' as attribution_mode,
        cast(quantity_base / 86400 as decimal(38, 6)) as units_per_second,
        quantity_base,
        false as is_late_usage,
    from overhead_shares

),

energy_lines as (

    -- an hour holding estimated energy (a gap of an `estimate` site) is two lines: the measured
    -- energy and the estimate, so rating can bill or withhold the estimate alone
    select
        {{ stable_hash([
            "case when parts.is_estimated then 'energy_estimate' else 'energy' end",
            'hourly_energy.site_id', 'hourly_energy.meter_id', 'hourly_energy.hour_start_at',
        ]) }} as usage_line_id,
        'energy_' || hourly_energy.reading_format as source_kind,
        hourly_energy.site_id as source_id,
        hourly_energy.source_file,
        hourly_energy.source_row,
        cast(null as varchar) as job_id,
        'machine' as subject_type,
        machines.machine_id as subject_id,
        'energy_kwh' as sku_id,
        'joule' as base_unit,
        hourly_energy.hour_start_at as usage_start_at,
        hourly_energy.hour_end_at as usage_end_at,
        'start' as attribution_mode,
        cast(null as decimal(38, 6)) as units_per_second,
        case
            when parts.is_estimated then hourly_energy.estimated_energy_joules
            else hourly_energy.energy_joules - hourly_energy.estimated_energy_joules
        end as quantity_base,
        parts.is_estimated,
        false as is_late_usage,
    from hourly_energy
    inner join machines
        on hourly_energy.site_id = machines.site_id
            and hourly_energy.meter_id = machines.meter_id
    cross join (values (false), (true)) as parts (is_estimated)

),

overhead_energy_lines as (

    select
        {{ stable_hash([
            "case when parts.is_estimated then 'energy_overhead_estimate' else 'energy_overhead' end",
            'overhead.site_id', 'overhead.meter_id', 'overhead.hour_start_at',
        ]) }} as usage_line_id,
        'energy_' || overhead.reading_format as source_kind,
        overhead.site_id as source_id,
        overhead.source_file,
        overhead.source_row,
        cast(null as varchar) as job_id,
        'machine' as subject_type,
        machines.machine_id as subject_id,
        'energy_overhead_kwh' as sku_id,
        'joule' as base_unit,
        overhead.hour_start_at as usage_start_at,
        overhead.hour_end_at as usage_end_at,
        'start' as attribution_mode,
        cast(null as decimal(38, 6)) as units_per_second,
        cast(
            case
                when parts.is_estimated then overhead.estimated_overhead_energy_joules
                else overhead.overhead_energy_joules - overhead.estimated_overhead_energy_joules
            end as decimal(38, 6)
        ) as quantity_base,
        parts.is_estimated,
        false as is_late_usage,
    from {{ ref('int_energy__facility_overhead') }} as overhead
    inner join machines
        on overhead.site_id = machines.site_id
            and overhead.meter_id = machines.meter_id
    cross join (values (false), (true)) as parts (is_estimated)

),

unioned as (

    select * from slurm_lines
    union all by name
    select * from opencost_lines
    union all by name
    select * from overhead_share_lines
    union all by name
    select * from energy_lines
    union all by name
    select * from overhead_energy_lines

),

final as (

    select
        usage_line_id,
        source_kind,
        source_id,
        source_file,
        source_row,
        job_id,
        subject_type,
        subject_id,
        sku_id,
        base_unit,
        usage_start_at,
        usage_end_at,
        attribution_mode,
        units_per_second,
        quantity_base,
        coalesce(is_estimated, false) as is_estimated,
        is_late_usage,
    from unioned
    where quantity_base > 0

)

select * from final
