{{ config(materialized='table') }}

{#-
    Every staged sacct row with its fate in this billing period.
    Dedup (contract section 4): job rows with the same (cluster, JobID) are one job; the
    canonical record is the non-REQUEUED record with the latest Start, ties broken by the
    first seen copy (earliest source_file, then source_row). Earlier REQUEUED attempts are
    `requeued_attempt`, every other copy is `duplicate_usage`.
    Conflicts: finished records of one job (same cluster, JobID and Submit) that disagree on
    what ran (state, start, elapsed, account or allocation) are `conflicting_duplicate`:
    every copy is quarantined, so the job is held back until a corrected dump replaces the
    wrong one, whichever file sorts first. Identical copies stay `duplicate_usage`, and a
    RUNNING or PENDING snapshot superseded by the finished record is no conflict.
    Period: the job interval [Start, Start + ElapsedRaw) must overlap the billing period;
    a canonical job that ended at or before the period start is `late_usage` when its file
    also carries usage of this period (it was delivered for this period), otherwise it simply
    belongs to another period (`outside_period`).
    A table: itemising, row conservation, the exceptions and the tests all read it, and it
    is the one place the sacct rows are parsed and windowed.
-#}

with

jobs as (

    select * from {{ ref('stg_slurm__jobs') }}

),

intervals as (

    select
        *,
        started_at as usage_start_at,
        started_at + to_seconds(elapsed_seconds) as usage_end_at,
        quarantine_reason is null and not is_step_row as is_job_row,
        -- what a finished record says about the job; identical copies share it
        case
            when quarantine_reason is null
                and not is_step_row
                and submitted_at is not null
                and job_state_code not in ('PENDING', 'RUNNING', 'SUSPENDED', 'REQUEUED', 'RESIZING')
                then concat_ws(
                    '|', job_state_code, started_at, elapsed_seconds, slurm_account, allocated_cpu_count,
                    allocated_memory_bytes, allocated_gpus_by_type, allocated_gpu_untyped_count
                )
        end as value_signature,

    from jobs

),

conflicts as (

    select
        *,
        coalesce(
            min(value_signature) over job_records <> max(value_signature) over job_records,
            false
        ) as is_conflicting,
        count(*) over job_records as record_count,
    from intervals
    window job_records as (partition by value_signature is null, cluster_id, job_id, submitted_at)

),

ranked as (

    select
        *,
        row_number() over job_versions as job_rank,
        first_value(source_file) over job_versions as canonical_source_file,
        first_value(source_row) over job_versions as canonical_source_row,
        -- identical REQUEUED copies sort next to each other: the first is the attempt
        coalesce(
            lag(job_state_code) over job_versions = job_state_code
                and lag(started_at) over job_versions = started_at,
            false
        ) as is_copy_of_previous,
        coalesce(
            usage_start_at < {{ billing_period_end() }}
                and usage_end_at > {{ billing_period_start() }}
                and elapsed_seconds > 0,
            false
        ) as overlaps_period,

    from (
        select
            * exclude (is_job_row),
            is_job_row and not is_conflicting as is_job_row,
        from conflicts
    )
    window job_versions as (
        partition by is_job_row, cluster_id, job_id
        order by
            job_state_code = 'REQUEUED',
            started_at desc nulls last,
            source_file,
            source_row
    )

),

files as (

    select
        ranked.*,
        {{ is_file_in_period('is_job_row', 'overlaps_period') }} as is_file_in_period,
    from ranked

),

classified as (

    select
        *,
        is_job_row and job_rank = 1 and job_state_code <> 'REQUEUED' as is_canonical_job,
        case
            when quarantine_reason is not null or is_conflicting then 'quarantined'
            when is_step_row then 'excluded'
            when job_rank > 1 or job_state_code = 'REQUEUED' then 'duplicate'
            when overlaps_period then 'canonical'
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
        job_id,
        slurm_account,
        job_state,
        job_state_code,
        is_step_row,
        submitted_at,
        started_at,
        elapsed_seconds,
        is_conflicting,
        usage_start_at,
        usage_end_at,
        allocated_cpu_count,
        allocated_memory_bytes,
        allocated_gpus_by_type,
        allocated_gpu_untyped_count,
        is_canonical_job,
        case when row_status = 'duplicate' then canonical_source_file end as canonical_source_file,
        case when row_status = 'duplicate' then canonical_source_row end as canonical_source_row,
        is_file_in_period,
        row_status,
        case
            when row_status = 'quarantined' then coalesce(quarantine_reason, 'conflicting_duplicate')
            when row_status = 'duplicate' and job_state_code = 'REQUEUED' and not is_copy_of_previous
                then 'requeued_attempt'
            when row_status = 'duplicate' then 'duplicate_usage'
            when row_status = 'excluded' and not is_step_row and is_file_in_period
                and usage_end_at <= {{ billing_period_start() }} and elapsed_seconds > 0
                then 'late_usage'
        end as reason_code,
        case
            when row_status <> 'excluded' then null
            when is_step_row then 'slurm_step_row'
            when started_at is null or elapsed_seconds = 0 then 'no_usage'
            when usage_end_at <= {{ billing_period_start() }} and is_file_in_period then 'late_usage'
            else 'outside_period'
        end as exclusion_reason,
        case
            when is_conflicting and quarantine_reason is null
                then 'job ' || job_id || ' submitted ' || strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ') || ' has '
                    || record_count || ' finished records that disagree; this one says ' || job_state_code
                    || ', started ' || coalesce(strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), 'never')
                    || ', ' || elapsed_seconds || ' s, account ' || coalesce(slurm_account, '?')
                    || '; the job is held until one record is corrected'
            else quarantine_detail
        end as quarantine_detail,

    from classified

)

select * from final
