with

clusters as (

    select * from {{ ref('scheduler_clusters') }}
    where scheduler = 'opencost'

),

source as (

    {{ current_rows(source('opencost', 'opencost_allocations')) }}

),

renamed as (

    select
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

    from source
    left join clusters
        on source._source_id = clusters.cluster_id

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

    from renamed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_cluster', "'_source_id=''' || coalesce(cluster_id, '') || ''' is not a declared opencost cluster'"),
            check_present('Date', 'usage_date_text'),
            check_parsed('Date', 'usage_date_text', 'usage_date'),
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
        cpu_core_usage_average,
        cpu_core_request_average,
        ram_bytes_usage_average,
        ram_bytes_request_average,
        gpu_count,
        opencost_total_cost,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
