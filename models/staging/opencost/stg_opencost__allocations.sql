with

clusters as (

    select * from {{ ref('scheduler_clusters') }}
    where scheduler = 'opencost'

),

source as (

    {{ current_rows(source('opencost', 'opencost_allocations')) }}

),

api_source as (

    {{ current_rows(source('opencost', 'opencost_allocation_records')) }}

),

csv_renamed as (

    select
        'csv' as record_format,
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as cluster_id,
        clusters.cluster_id is not null as is_declared_cluster,
        {{ clean_text('source."Date"') }} as usage_date_text,
        {{ clean_text('source."Namespace"') }} as namespace,
        {{ clean_text('source."ControllerKind"') }} as controller_kind,
        {{ clean_text('source."ControllerName"') }} as controller_name,
        {{ clean_text('source."Pod"') }} as pod_name,
        {{ clean_text('source."Container"') }} as container_name,
        {{ clean_text('source."CPUCoreUsageAverage"') }} as cpu_core_usage_text,
        {{ clean_text('source."CPUCoreRequestAverage"') }} as cpu_core_request_text,
        {{ clean_text('source."RAMBytesUsageAverage"') }} as ram_bytes_usage_text,
        {{ clean_text('source."RAMBytesRequestAverage"') }} as ram_bytes_request_text,
        {{ clean_text('source."GPUs"') }} as gpu_text,
        {{ clean_text('source."TotalCost"') }} as total_cost_text,
        cast(null as varchar) as window_start_text,
        cast(null as varchar) as window_end_text,
        cast(null as varchar) as cpu_core_hours_text,
        cast(null as varchar) as ram_byte_hours_text,
        clusters.idle_policy,

    from source
    left join clusters
        on source._source_id = clusters.cluster_id

),

api_renamed as (

    -- the `/allocation` JSON: `__idle__` is an allocation name, `__unallocated__` a namespace value
    select
        'api' as record_format,
        api_source._source_file as source_file,
        cast(api_source._source_row as bigint) as source_row,
        api_source._file_sha256 as file_sha256,
        api_source._source_id as cluster_id,
        clusters.cluster_id is not null as is_declared_cluster,
        left({{ clean_text("api_source.record ->> '$.window.start'") }}, 10) as usage_date_text,
        case
            when api_source.allocation_key in ('__idle__', '__unallocated__') then api_source.allocation_key
            else {{ clean_text("api_source.record ->> '$.properties.namespace'") }}
        end as namespace,
        {{ clean_text("api_source.record ->> '$.properties.controllerKind'") }} as controller_kind,
        {{ clean_text("api_source.record ->> '$.properties.controller'") }} as controller_name,
        {{ clean_text("api_source.record ->> '$.properties.pod'") }} as pod_name,
        {{ clean_text("api_source.record ->> '$.properties.container'") }} as container_name,
        {{ clean_text("api_source.record ->> '$.cpuCoreUsageAverage'") }} as cpu_core_usage_text,
        {{ clean_text("api_source.record ->> '$.cpuCoreRequestAverage'") }} as cpu_core_request_text,
        {{ clean_text("api_source.record ->> '$.ramByteUsageAverage'") }} as ram_bytes_usage_text,
        {{ clean_text("api_source.record ->> '$.ramByteRequestAverage'") }} as ram_bytes_request_text,
        {{ clean_text("api_source.record ->> '$.gpuCount'") }} as gpu_text,
        {{ clean_text("api_source.record ->> '$.totalCost'") }} as total_cost_text,
        {{ clean_text("api_source.record ->> '$.window.start'") }} as window_start_text,
        {{ clean_text("api_source.record ->> '$.window.end'") }} as window_end_text,
        {{ clean_text("api_source.record ->> '$.cpuCoreHours'") }} as cpu_core_hours_text,
        {{ clean_text("api_source.record ->> '$.ramByteHours'") }} as ram_byte_hours_text,
        clusters.idle_policy,

    from api_source
    left join clusters
        on api_source._source_id = clusters.cluster_id

),

renamed as (

    select * from csv_renamed
    union all by name
    select * from api_renamed

),

typed as (

    select
        *,
        cast(try_strptime(usage_date_text, '%Y-%m-%d') as date) as usage_date,
        {{ parse_decimal('cpu_core_usage_text') }} as cpu_core_usage_average,
        {{ parse_decimal('cpu_core_request_text') }} as cpu_core_request_average,
        {{ parse_decimal('ram_bytes_usage_text') }} as ram_bytes_usage_average,
        {{ parse_decimal('ram_bytes_request_text') }} as ram_bytes_request_average,
        {{ parse_decimal('gpu_text') }} as gpu_count,
        {{ parse_decimal('total_cost_text') }} as opencost_total_cost,
        {{ parse_utc_timestamp('window_start_text') }} as window_start_at,
        {{ parse_utc_timestamp('window_end_text') }} as window_end_at,
        {{ parse_decimal('cpu_core_hours_text') }} as cpu_core_hours,
        {{ parse_decimal('ram_byte_hours_text') }} as ram_byte_hours,

    from renamed

),

validated as (

    select
        *,
        -- Date may lie up to a month before the period its file declares (a late day,
        -- late_usage downstream); a Date further out is a wrong value
        {{ quarantine_detail([
            check_rule('not is_declared_cluster', "'_source_id=''' || coalesce(cluster_id, '') || ''' is not a declared opencost cluster'"),
            check_present('Date', 'usage_date_text'),
            check_parsed('Date', 'usage_date_text', 'usage_date'),
            check_declared_period('Date', 'usage_date_text', 'usage_date', 'source_file', 'interval 1 month', 'interval 0 day'),
            check_utc_timestamp('window.start', 'window_start_text', 'window_start_at'),
            check_utc_timestamp('window.end', 'window_end_text', 'window_end_at'),
            check_rule(
                "record_format = 'api' and coalesce(window_end_at - window_start_at <> interval 1 day or cast(window_start_at as date) <> window_start_at, true)",
                "'window ' || coalesce(window_start_text, '') || '..' || coalesce(window_end_text, '') || ' is not one UTC day'"
            ),
            check_parsed('cpuCoreHours', 'cpu_core_hours_text', 'cpu_core_hours'),
            check_parsed('ramByteHours', 'ram_byte_hours_text', 'ram_byte_hours'),
            check_rule('least(cpu_core_hours, ram_byte_hours) < 0', "'cpuCoreHours or ramByteHours is negative'"),
            check_present('Namespace', 'namespace'),
            check_parsed('CPUCoreUsageAverage', 'cpu_core_usage_text', 'cpu_core_usage_average'),
            check_parsed('CPUCoreRequestAverage', 'cpu_core_request_text', 'cpu_core_request_average'),
            check_parsed('RAMBytesUsageAverage', 'ram_bytes_usage_text', 'ram_bytes_usage_average'),
            check_parsed('RAMBytesRequestAverage', 'ram_bytes_request_text', 'ram_bytes_request_average'),
            check_rule(
                'least(cpu_core_usage_average, cpu_core_request_average, ram_bytes_usage_average, ram_bytes_request_average) < 0',
                "'a CPU or RAM average is negative'"
            ),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        cluster_id,
        usage_date,
        cast(usage_date as timestamp) as usage_start_at,
        cast(usage_date as timestamp) + interval 1 day as usage_end_at,
        namespace,
        controller_kind,
        controller_name,
        pod_name,
        container_name,
        coalesce(namespace in ('__idle__', '__unallocated__'), false) as is_overhead_namespace,
        coalesce(idle_policy, 'exclude') as idle_policy,
        record_format,
        cpu_core_usage_average,
        cpu_core_request_average,
        ram_bytes_usage_average,
        ram_bytes_request_average,
        gpu_count,
        opencost_total_cost,
        -- billed quantities: the CSV's day averages over 86400 s (max of request and usage), or
        -- the API's own core-hours and byte-hours (OpenCost already takes max(request, usage))
        cast(
            case record_format
                when 'api' then coalesce(cpu_core_hours, 0) * 3600
                else greatest(coalesce(cpu_core_request_average, 0), coalesce(cpu_core_usage_average, 0))
                    * 86400
            end
            as decimal(38, 6)
        ) as cpu_core_seconds,
        cast(
            case record_format
                when 'api' then coalesce(ram_byte_hours, 0) * 3600
                else greatest(coalesce(ram_bytes_request_average, 0), coalesce(ram_bytes_usage_average, 0))
                    * 86400
            end
            as decimal(38, 6)
        ) as ram_byte_seconds,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
