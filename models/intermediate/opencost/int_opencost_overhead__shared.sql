{#-
    Shared Kubernetes overhead for clusters whose declared idle_policy is `share_overhead`:
    each canonical `__idle__`/`__unallocated__` row of a day is allocated to that day's billed
    namespaces in proportion to their own usage of the same resource (CPU core-seconds, memory
    byte-seconds). Shares are rounded to the quantity scale (6 decimals) and the rounding
    remainder goes to the namespace with the largest usage, so the shares add up exactly to the
    overhead row. A day with overhead but no billed namespace shares nothing (the row stays
    canonical in the row accounting and is visible here with a null namespace).
-#}

with

allocations as (

    select * from {{ ref('int_opencost_allocations__deduplicated') }}
    where row_status = 'canonical'
        and idle_policy = 'share_overhead'

),

overhead as (

    select
        allocations.*,
        {%- set line_list %}
        [
            {
                'resource': 'cpu',
                'sku_id': 'k8s_idle_cpu_core_hour',
                'base_unit': 'core_second',
                'quantity': allocations.cpu_core_seconds
            },
            {
                'resource': 'memory',
                'sku_id': 'k8s_idle_memory_gib_hour',
                'base_unit': 'byte_second',
                'quantity': allocations.ram_byte_seconds
            }
        ]
        {%- endset %}
        {{ list_rows(line_list) }} as line,
    from allocations
    where allocations.is_overhead_namespace

),

namespace_usage as (

    select
        cluster_id,
        usage_date,
        namespace,
        {%- set used_list %}
        [
            { 'resource': 'cpu', 'quantity': sum(cpu_core_seconds) },
            { 'resource': 'memory', 'quantity': sum(ram_byte_seconds) }
        ]
        {%- endset %}
        {{ list_rows(used_list) }} as used,
    from allocations
    where not is_overhead_namespace
    group by cluster_id, usage_date, namespace

),

weighted as (

    select
        overhead.cluster_id,
        overhead.source_file,
        overhead.source_row,
        overhead.usage_date,
        overhead.usage_start_at,
        overhead.usage_end_at,
        overhead.namespace as overhead_namespace,
        overhead.line.sku_id,
        overhead.line.base_unit,
        overhead.line.quantity as overhead_quantity,
        namespace_usage.namespace,
        namespace_usage.used.quantity as namespace_quantity,
        sum(namespace_usage.used.quantity) over share_group as day_quantity,
        row_number()
            over (share_group order by namespace_usage.used.quantity desc, namespace_usage.namespace asc)
            as usage_rank,
    from overhead
    left join namespace_usage
        on overhead.cluster_id = namespace_usage.cluster_id
            and overhead.usage_date = namespace_usage.usage_date
            and overhead.line.resource = namespace_usage.used.resource
            and namespace_usage.used.quantity > 0
    window share_group as (partition by overhead.source_file, overhead.source_row, overhead.line.sku_id)

),

rounded as (

    select
        *,
        case
            when day_quantity > 0
                -- the weight is a ratio (DOUBLE is fine); the remainder below keeps the total exact
                then cast(
                        cast(overhead_quantity as double)
                        * (cast(namespace_quantity as double) / cast(day_quantity as double)) as decimal(
                            38, 6
                        )
                    )
        end as rounded_share,
    from weighted

),

final as (

    select
        {{ stable_hash(
            ["'opencost_share'", 'source_file', 'source_row', 'sku_id', "coalesce(namespace, '')"]
        ) }}
            as usage_line_id,
        cluster_id,
        source_file,
        source_row,
        usage_date,
        usage_start_at,
        usage_end_at,
        overhead_namespace,
        namespace,
        sku_id,
        base_unit,
        overhead_quantity,
        namespace_quantity,
        day_quantity,
        cast(
            rounded_share
            + case
                when usage_rank = 1
                    then overhead_quantity
                        - sum(rounded_share) over (partition by source_file, source_row, sku_id)
                else 0
            end
            as decimal(38, 6)
        ) as quantity_base,
    from rounded

)

select * from final
