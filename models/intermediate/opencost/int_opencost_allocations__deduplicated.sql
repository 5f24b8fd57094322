{{ config(materialized='table') }}

{#-
    Every staged OpenCost row with its fate in this billing period.
    Shared overhead (`__idle__`, `__unallocated__`) follows the cluster's declared idle_policy:
    `exclude` = excluded first (never billed); `exception` = excluded with reason
    `k8s_overhead_unallocated` (an exception) when in the period; `share_overhead` = deduplicated
    like any allocation and canonical in the period, then shared out by
    int_opencost_overhead__shared. Among the remaining valid rows, identical allocations (same cluster, Date, Namespace, Pod, Container) are
    one: the first seen copy (earliest source_file, then source_row) is canonical, the
    others are `duplicate_usage`. Copies of one allocation whose values differ (core or
    byte seconds, usage or request averages, window) are `conflicting_duplicate`: every copy is
    quarantined, so that namespace's day is held back until a corrected file replaces the
    wrong one, whichever file sorts first. A day before the period in a file that also carries days
    of this period is `late_usage`; other days outside the period are `outside_period`.
    A table: usage, row conservation, the exceptions and the tests all read it.
-#}

with

allocations as (

    select * from {{ ref('stg_opencost__allocations') }}

),

signed as (

    select
        *,
        -- what a copy says; identical copies share it
        case
            when quarantine_reason is null
                and not (is_overhead_namespace and idle_policy = 'exclude')
                then concat_ws(
                        '|', usage_start_at, usage_end_at, cpu_core_seconds, ram_byte_seconds,
                        cpu_core_usage_average, cpu_core_request_average, ram_bytes_usage_average,
                        ram_bytes_request_average
                    )
        end as value_signature,
    from allocations

),

conflicts as (

    select
        *,
        coalesce(
            min(value_signature) over allocation_records <> max(value_signature) over allocation_records,
            false
        ) as is_conflicting,
        count(*) over allocation_records as record_count,
    from signed
    window allocation_records as (
        partition by value_signature is null, cluster_id, usage_date, namespace, pod_name, container_name
    )

),

ranked as (

    select
        *,
        quarantine_reason is null and not is_overhead_namespace as is_billable_row,
        row_number() over allocation_copies as copy_rank,
        first_value(source_file) over allocation_copies as canonical_source_file,
        first_value(source_row) over allocation_copies as canonical_source_row,
        coalesce(
            usage_start_at >= {{ billing_period_start() }}
            and usage_start_at < {{ billing_period_end() }},
            false
        ) as is_in_period,

    from conflicts
    window allocation_copies as (
        partition by
            quarantine_reason is null and not is_conflicting,
            cluster_id,
            usage_date,
            namespace,
            pod_name,
            container_name
        order by source_file, source_row
    )

),

files as (

    select
        ranked.*,
        {{ is_file_in_period('quarantine_reason is null and not is_conflicting', 'is_in_period') }}
            as is_file_in_period,
    from ranked

),

classified as (

    select
        *,
        case
            when quarantine_reason is not null or is_conflicting then 'quarantined'
            when is_overhead_namespace and idle_policy = 'exclude' then 'excluded'
            when copy_rank > 1 then 'duplicate'
            when is_overhead_namespace and idle_policy = 'exception' then 'excluded'
            when is_in_period then 'canonical'
            else 'excluded'
        end as row_status,

    from files

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        cluster_id,
        usage_date,
        usage_start_at,
        usage_end_at,
        namespace,
        pod_name,
        container_name,
        is_overhead_namespace,
        idle_policy,
        is_in_period,
        is_conflicting,
        record_format,
        cpu_core_seconds,
        ram_byte_seconds,
        cpu_core_usage_average,
        cpu_core_request_average,
        ram_bytes_usage_average,
        ram_bytes_request_average,
        case when row_status = 'duplicate' then canonical_source_file end as canonical_source_file,
        case when row_status = 'duplicate' then canonical_source_row end as canonical_source_row,
        is_file_in_period,
        row_status,
        case
            when row_status = 'quarantined' then coalesce(quarantine_reason, 'conflicting_duplicate')
            when row_status = 'duplicate' then 'duplicate_usage'
            when row_status = 'excluded'
                and is_overhead_namespace
                and idle_policy = 'exception'
                and is_in_period
                then 'k8s_overhead_unallocated'
            when row_status = 'excluded' and not is_overhead_namespace and is_file_in_period
                and usage_end_at <= {{ billing_period_start() }}
                then 'late_usage'
        end as reason_code,
        case
            when row_status <> 'excluded' then null
            when is_overhead_namespace then 'overhead_namespace'
            when usage_end_at <= {{ billing_period_start() }} and is_file_in_period then 'late_usage'
            else 'outside_period'
        end as exclusion_reason,
        case
            when is_conflicting and quarantine_reason is null
                then 'allocation of '
                    || namespace
                    || '/'
                    || coalesce(pod_name, '')
                    || '/'
                    || coalesce(container_name, '')
                    || ' on ' || cast(usage_date as varchar) || ' has ' || record_count
                    || ' copies that disagree; this one says '
                    || coalesce(cast(cpu_core_seconds as varchar), '?')
                    || ' core-seconds and ' || coalesce(cast(ram_byte_seconds as varchar), '?')
                    || ' byte-seconds; the day is held until one copy is corrected'
            else quarantine_detail
        end as quarantine_detail,

    from classified

)

select * from final
