{{ config(materialized='table') }}

{#-
    Every staged sacct row with its fate in this billing period.
    Dedup (contract section 4): job rows with the same (cluster, JobID, Submit) are one job (a
    JobID reused after a controller reset or an id rollover has another Submit: another job); the
    canonical record is the non-REQUEUED record with the latest Start, then a finished record
    before a RUNNING one (a job running into the next month is listed again, finished, by that
    month's dumps), ties broken by the first seen copy (earliest source_file, then source_row). Earlier REQUEUED attempts are
    `requeued_attempt`, every other copy is `duplicate_usage`.
    Conflicts: finished records of one job (same cluster, JobID and Submit) that disagree on
    what ran (state, start, elapsed, account or allocation) are `conflicting_duplicate`:
    every copy is quarantined, so the job is held back until a corrected dump replaces the
    wrong one, whichever file sorts first. Identical copies stay `duplicate_usage`, and a
    RUNNING or PENDING snapshot superseded by the finished record is no conflict.
    Period: the job interval [Start, Start + ElapsedRaw) must overlap the billing period;
    a canonical job that ended at or before the period start is `late_usage` when its file
    also carries usage of this period (it was delivered for this period) and no closed period
    billed it already, otherwise it simply belongs to another period (`outside_period`). A
    closed period billed a job when the job ran in it and a copy of the job was in a file the
    ingest had seen when the period closed: a dump spanning two months is normal.
    Jobs known only from step rows (`123.extern`, `123.batch`, no allocation row `123` in any
    current file of the cluster): one step row stands for the job, the step with the largest
    allocation (CPUs, then GPUs, then memory; ties to the first seen), billed over the span of
    all its steps (earliest step start to latest step end), under the first subject a step
    names. Every step runs inside the job's allocation, so this is the least the job held and
    never more than it used. When no step names a subject or a start, or no step has an
    allocation, that row is quarantined as `step_only_job` instead: never billed at zero.
    A table: itemising, row conservation, the exceptions and the tests all read it, and it
    is the one place the sacct rows are parsed and windowed.
-#}

with

staged as (

    select * from {{ ref('stg_slurm__jobs') }}

),

allocation_rows as (

    select distinct
        cluster_id,
        job_id,
    from staged
    where not is_step_row and job_id is not null

),

steps_of_step_only_jobs as (

    -- step rows of jobs whose allocation row is in no current file of the cluster
    select
        staged.source_file,
        staged.source_row,
        split_part(staged.job_id, '.', 1) as base_job_id,
        staged.allocated_cpu_count > 0 or staged.allocated_memory_bytes > 0
        or staged.allocated_gpu_untyped_count > 0 or len(staged.allocated_gpus_by_type) > 0
            as has_allocation,
        row_number() over base_job as step_rank,
        min(staged.started_at) over all_steps as steps_started_at,
        max(staged.started_at + to_seconds(staged.elapsed_seconds)) over all_steps as steps_ended_at,
        first_value(staged.slurm_account ignore nulls) over (
            all_steps order by staged.source_file, staged.source_row
            rows between unbounded preceding and unbounded following
        ) as steps_subject,
    from staged
    left join allocation_rows
        on staged.cluster_id = allocation_rows.cluster_id
            and split_part(staged.job_id, '.', 1) = allocation_rows.job_id
    where staged.is_step_row
        and staged.quarantine_reason is null
        and allocation_rows.job_id is null
    window
        all_steps as (partition by staged.cluster_id, split_part(staged.job_id, '.', 1)),
        base_job as (
            partition by staged.cluster_id, split_part(staged.job_id, '.', 1)
            order by
                staged.allocated_cpu_count desc,
                staged.allocated_gpu_untyped_count
                + coalesce(
                    {{ list_total(list_map('staged.allocated_gpus_by_type', 'gpu', 'gpu.gpu_count')) }}, 0
                ) desc,
                staged.allocated_memory_bytes desc,
                staged.source_file asc,
                staged.source_row asc
        )

),

step_only_jobs as (

    select
        *,
        has_allocation
        and steps_subject is not null
        and steps_started_at is not null
        and steps_ended_at is not null as is_billable,
    from steps_of_step_only_jobs
    where step_rank = 1

),

jobs as (

    -- the representative step of a step-only job becomes that job's row
    select
        staged.* replace (
            coalesce(step_only_jobs.base_job_id, staged.job_id) as job_id,
            staged.is_step_row and step_only_jobs.base_job_id is null as is_step_row,
            case
                when step_only_jobs.is_billable then step_only_jobs.steps_subject else staged.slurm_account
            end
                as slurm_account,
            case
                when step_only_jobs.is_billable then step_only_jobs.steps_started_at else staged.started_at
            end
                as started_at,
            case
                when step_only_jobs.is_billable
                    then date_diff('second', step_only_jobs.steps_started_at, step_only_jobs.steps_ended_at)
                else staged.elapsed_seconds
            end as elapsed_seconds,
            case
                when
                    step_only_jobs.base_job_id is not null and not step_only_jobs.is_billable
                    then 'step_only_job'
                else staged.quarantine_reason
            end as quarantine_reason,
            case
                when step_only_jobs.base_job_id is not null and not step_only_jobs.is_billable
                    then 'job ' || step_only_jobs.base_job_id || ' has only step rows and they name no '
                        || staged.subject_field || ', no start or no allocation: its usage cannot be billed'
                else staged.quarantine_detail
            end as quarantine_detail
        ),
        step_only_jobs.base_job_id is not null as is_step_only_job,
    from staged
    left join step_only_jobs
        on staged.source_file = step_only_jobs.source_file
            and staged.source_row = step_only_jobs.source_row

),

files as (

    select * from {{ ref('stg_ingest__files') }}

),

closes as (

    select * from {{ ref('stg_ledger__closes') }}

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

resolved as (

    -- a job whose finished records disagree is no job row: it is held as a conflict
    select
        * exclude (is_job_row),
        is_job_row and not is_conflicting as is_job_row,
    from conflicts

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

    from resolved
    window job_versions as (
        partition by is_job_row, cluster_id, job_id, submitted_at
        order by
            job_state_code = 'REQUEUED',
            started_at desc nulls last,
            ended_at is null,
            source_file asc,
            source_row asc
    )

),

billed_in_closed_period as (

    -- jobs (any copy) a closed period earlier than this one already billed
    select distinct
        ranked.cluster_id,
        ranked.job_id,
        ranked.submitted_at,
    from ranked
    inner join files
        on ranked.source_file = files.source_file
            and ranked.file_sha256 = files.file_sha256
    inner join closes
        on files.first_seen_at <= closes.closed_at
            and ranked.usage_start_at < closes.period_end_at
            and ranked.usage_end_at > closes.period_start_at
            and closes.period_end_at <= {{ billing_period_start() }}
    where ranked.is_job_row and ranked.elapsed_seconds > 0

),

in_period_files as (

    select
        ranked.*,
        {{ is_file_in_period('is_job_row', 'overlaps_period') }} as is_file_in_period,
        billed_in_closed_period.job_id is not null as is_billed_in_closed_period,
    from ranked
    left join billed_in_closed_period
        on ranked.is_job_row
            and ranked.cluster_id = billed_in_closed_period.cluster_id
            and ranked.job_id = billed_in_closed_period.job_id
            and ranked.submitted_at is not distinct from billed_in_closed_period.submitted_at

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

    from in_period_files

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
                and not is_billed_in_closed_period
                and usage_end_at <= {{ billing_period_start() }} and elapsed_seconds > 0
                then 'late_usage'
        end as reason_code,
        case
            when row_status <> 'excluded' then null
            when is_step_row then 'slurm_step_row'
            when started_at is null or elapsed_seconds = 0 then 'no_usage'
            when usage_end_at <= {{ billing_period_start() }} and is_file_in_period
                and not is_billed_in_closed_period
                then 'late_usage'
            else 'outside_period'
        end as exclusion_reason,
        case
            when is_conflicting and quarantine_reason is null
                then 'job '
                    || job_id
                    || ' submitted '
                    || strftime(submitted_at, '%Y-%m-%dT%H:%M:%SZ')
                    || ' has '
                    || record_count || ' finished records that disagree; this one says ' || job_state_code
                    || ', started ' || coalesce(strftime(started_at, '%Y-%m-%dT%H:%M:%SZ'), 'never')
                    || ', ' || elapsed_seconds || ' s, account ' || coalesce(slurm_account, '?')
                    || '; the job is held until one record is corrected'
            else quarantine_detail
        end as quarantine_detail,
        is_step_only_job,

    from classified

)

select * from final
