{#-
    Canonical Slurm job rows (in the period, or late) as one usage line per billed resource
    (contract section 4): `cpu_core_hour` (CPUs), `gpu_hour_<type>` (GPUs of each type from
    `gres/gpu:<type>=N`), `memory_gib_hour` (memory bytes). The untyped `gres/gpu=N` counts
    the same GPUs again and is never added; only GPUs it counts beyond the typed ones (a job
    whose GPUs have no type) become `gpu_hour_untyped`, which no price list prices, so they
    surface as `price_missing` instead of being guessed.
    Each line carries the allocation per second; quantity = allocation x ElapsedRaw.
-#}

{#- Each resource's line as a list of at most one element (of one per GPU type for the GPUs). -#}
{%- set cpu_line -%}
    case
        when jobs.allocated_cpu_count > 0
            then [
                    {
                        'sku_id': 'cpu_core_hour',
                        'base_unit': 'core_second',
                        'units': cast(jobs.allocated_cpu_count as decimal(38, 6))
                    }
                ]
        else []
    end
{%- endset -%}
{%- set gpu_line -%}
    {
        'sku_id': 'gpu_hour_' || gpu.gpu_type,
        'base_unit': 'gpu_second',
        'units': cast(gpu.gpu_count as decimal(38, 6))
    }
{%- endset -%}
{%- set untyped_gpu_line -%}
    case
        when jobs.allocated_gpu_untyped_count > jobs.typed_gpu_count
            then [
                    {
                        'sku_id': 'gpu_hour_untyped',
                        'base_unit': 'gpu_second',
                        'units': cast(
                            jobs.allocated_gpu_untyped_count - jobs.typed_gpu_count as decimal(38, 6)
                        )
                    }
                ]
        else []
    end
{%- endset -%}
{%- set memory_line -%}
    case
        when jobs.allocated_memory_bytes > 0
            then [
                    {
                        'sku_id': 'memory_gib_hour',
                        'base_unit': 'byte_second',
                        'units': jobs.allocated_memory_bytes
                    }
                ]
        else []
    end
{%- endset -%}

with

jobs as (

    select * from {{ ref('int_slurm_jobs__deduplicated') }}
    where is_canonical_job
        and (row_status = 'canonical' or exclusion_reason = 'late_usage')

),

lines as (

    -- one pass: each job row's billed resources as a list of lines, unnested once
    select
        jobs.*,
        {{ list_rows(list_join([
            cpu_line,
            list_map('jobs.allocated_gpus_by_type', 'gpu', gpu_line),
            untyped_gpu_line,
            memory_line,
        ])) }} as line,
    from (
        select
            *,
            coalesce({{ list_total(list_map('jobs.allocated_gpus_by_type', 'gpu', 'gpu.gpu_count')) }}, 0)
                as typed_gpu_count,
        from jobs
    ) as jobs

),

final as (

    select
        {{ stable_hash(["'slurm'", 'source_file', 'source_row', 'line.sku_id']) }} as usage_line_id,
        'slurm' as source_kind,
        lines.cluster_id as source_id,
        lines.source_file,
        lines.source_row,
        lines.job_id,
        'slurm_account' as subject_type,
        lines.slurm_account as subject_id,
        line.sku_id,
        line.base_unit,
        lines.usage_start_at,
        lines.usage_end_at,
        'interval' as attribution_mode,
        line.units as units_per_second,
        cast(line.units * lines.elapsed_seconds as decimal(38, 6)) as quantity_base,
        -- the part of the job inside this billing period (a job crossing a boundary is split)
        cast(
            line.units * greatest(
                date_diff(
                    'second',
                    greatest(lines.usage_start_at, {{ billing_period_start() }}),
                    least(lines.usage_end_at, {{ billing_period_end() }})
                ),
                0
            )
            as decimal(38, 6)
        ) as period_quantity_base,
        coalesce(exclusion_reason = 'late_usage', false) as is_late_usage,
    from lines

)

select * from final
