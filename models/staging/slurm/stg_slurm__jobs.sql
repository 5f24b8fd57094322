{#- A typed GPU of AllocTRES (`gres/gpu:a100=4`) or of AllocGRES (`gpu:a100:4`): type and count text. -#}
{%- set tres_gpu_entry -%}
    {
        'gpu_type': lower(regexp_extract(entry, 'gres/gpu:([^=,]+)=', 1)),
        'gpu_count_text': regexp_extract(entry, '=([^,]*)$', 1)
    }
{%- endset -%}
{%- set gres_gpu_entry -%}
    {
        'gpu_type': lower(regexp_extract(entry, 'gpu:([^:,]+):', 1)),
        'gpu_count_text': regexp_extract(entry, ':([^:,]*)$', 1)
    }
{%- endset -%}
{#- A typed GPU with its count parsed (null when not a whole number: the row is quarantined). -#}
{%- set typed_gpu -%}
    {
        'gpu_type': gpu.gpu_type,
        'gpu_count': case
            when regexp_full_match(gpu.gpu_count_text, '[0-9]+')
                then cast(gpu.gpu_count_text as bigint)
        end
    }
{%- endset -%}

with

clusters as (

    select * from {{ ref('scheduler_clusters') }}
    where scheduler = 'slurm'

),

declared_layouts as (

    -- one subject field per cluster, also when its dumps come in several declared layouts
    select
        cluster_id,
        min(subject_field) as subject_field,
    from {{ ref('slurm_declared_layouts') }}
    group by cluster_id

),

source as (

    {{ current_rows(source('slurm', 'slurm_jobs')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as cluster_id,
        clusters.timezone as cluster_timezone,
        coalesce(declared_layouts.subject_field, 'Account') as subject_field,
        {{ clean_text('source."JobID"') }} as job_id,
        {{ clean_text('source."JobIDRaw"') }} as job_id_raw,
        {{ clean_text('source."Cluster"') }} as slurm_cluster_name,
        {{ clean_text(
            'case declared_layouts.subject_field when \'User\' then source."User"'
            ~ ' when \'Partition\' then source."Partition" when \'WCKey\' then source."WCKey"'
            ~ ' else source."Account" end'
        ) }}
            as slurm_account,
        {{ clean_text('source."User"') }} as user_name,
        {{ clean_text('source."Partition"') }} as partition_name,
        {{ clean_text('source."State"') }} as job_state,
        {{ clean_text('source."Submit"', ['None', 'Unknown']) }} as submit_text,
        {{ clean_text('source."Start"', ['None', 'Unknown']) }} as start_text,
        {{ clean_text('source."End"', ['None', 'Unknown']) }} as end_text,
        {{ clean_text('source."ElapsedRaw"') }} as elapsed_raw_text,
        {{ clean_text('source."Elapsed"') }} as elapsed_text,
        {{ clean_text('source."_trailing_field"') }} as trailing_field,
        {{ clean_text('source."AllocTRES"') }} as allocated_tres,
        {{ clean_text('source."NodeList"') }} as node_list,
        -- Resources field by field, for clusters whose dumps have no AllocTRES.
        {{ clean_text('coalesce(source."NCPUS", source."AllocCPUS")') }} as cpus_text,
        {{ clean_text('coalesce(source."AllocNodes", source."NNodes")') }} as nodes_text,
        {{ clean_text('source."AllocMem"') }} as alloc_mem_text,
        {{ clean_text('source."ReqMem"') }} as req_mem_text,
        {{ clean_text('source."AllocGRES"') }} as alloc_gres_text,

    from source
    left join clusters
        on source._source_id = clusters.cluster_id
    left join declared_layouts
        on source._source_id = declared_layouts.cluster_id

),

parsed as (

    select
        *,
        coalesce(contains(job_id, '.'), false) as is_step_row,
        split_part(job_state, ' ', 1) as job_state_code,
        try_strptime(submit_text, '%Y-%m-%dT%H:%M:%S') as submitted_at_local,
        try_strptime(start_text, '%Y-%m-%dT%H:%M:%S') as started_at_local,
        try_strptime(end_text, '%Y-%m-%dT%H:%M:%S') as ended_at_local,
        -- ElapsedRaw when the layout has it, else Elapsed (`[D-]HH:MM:SS`, `MM:SS.mmm`)
        case
            when elapsed_raw_text is not null then {{ parse_integer('elapsed_raw_text') }}
            else {{ slurm_duration_seconds('elapsed_text') }}
        end as elapsed_seconds,
        regexp_full_match(allocated_tres, '[^=,]+=[^=,]*(,[^=,]+=[^=,]*)*') as is_tres_well_formed,
        -- AllocTRES when the dump has it; else NCPUS/AllocCPUS, AllocMem or ReqMem (per CPU
        -- with a `c` suffix, per node with `n`) and old Slurm's AllocGRES (`gpu:a100:2`, `gpu:2`).
        allocated_tres is null and cpus_text is not null as is_from_fields,
        case
            when
                allocated_tres is not null
                then nullif(regexp_extract(allocated_tres, '(?:^|,)cpu=([^,]*)', 1), '')
            else cpus_text
        end as tres_cpu_text,
        case
            when
                allocated_tres is not null
                then nullif(regexp_extract(allocated_tres, '(?:^|,)mem=([^,]*)', 1), '')
            else coalesce(alloc_mem_text, req_mem_text)
        end as tres_memory_text,
        case
            when allocated_tres is not null then 'tres'
            when alloc_mem_text is not null then 'total'
            when ends_with(req_mem_text, 'c') then 'per_cpu'
            when ends_with(req_mem_text, 'n') then 'per_node'
            else 'total'
        end as memory_basis,
        case
            when
                allocated_tres is not null
                then nullif(regexp_extract(allocated_tres, '(?:^|,)gres/gpu=([^,]*)', 1), '')
            else nullif(regexp_extract(alloc_gres_text, '(?:^|,)gpu:([0-9]+)(?:,|$)', 1), '')
        end as tres_gpu_untyped_text,
        case
            when allocated_tres is not null
                then {{ list_map(
                        "regexp_extract_all(allocated_tres, '(?:^|,)gres/gpu:[^=,]+=[^,]*')",
                        'entry',
                        tres_gpu_entry
                    ) }}
            else {{ list_map(
                    "regexp_extract_all(coalesce(alloc_gres_text, ''), '(?:^|,)gpu:[^:,]+:[^,]*')",
                    'entry',
                    gres_gpu_entry
                ) }}
        end as tres_gpu_typed_texts,

    from renamed

),

typed as (

    select
        *,
        {{ local_to_utc('submitted_at_local', 'cluster_timezone') }} as submitted_at,
        {{ local_to_utc('started_at_local', 'cluster_timezone') }} as started_at,
        {{ local_to_utc('ended_at_local', 'cluster_timezone') }} as ended_at,
        {{ parse_integer('tres_cpu_text') }} as allocated_cpu_count,
        {{ slurm_memory_bytes('tres_memory_text') }}
        * case parsed.memory_basis
            when 'per_cpu' then {{ parse_integer('tres_cpu_text') }}
            when 'per_node' then coalesce({{ parse_integer('nodes_text') }}, 1)
            else 1
        end as allocated_memory_bytes,
        {{ parse_integer('tres_gpu_untyped_text') }} as allocated_gpu_untyped_count,
        {{ list_map('parsed.tres_gpu_typed_texts', 'gpu', typed_gpu) }} as allocated_gpus_by_type,

    from parsed

),

validated as (

    select
        *,
        -- Start may lie up to a month before the period its file declares (a late job,
        -- late_usage downstream); a Start further out is a wrong value
        {{ quarantine_detail([
            check_present('JobID', 'job_id'),
            check_rule('trailing_field is not null', "'a field after the declared field list: ''' || trailing_field || ''''"),
            check_rule('cluster_timezone is null', "'_source_id=''' || coalesce(cluster_id, '') || ''' is not a declared slurm cluster'"),
            check_local_time_exists('Submit', 'submit_text', 'submitted_at_local', 'cluster_timezone'),
            check_local_time_exists('Start', 'start_text', 'started_at_local', 'cluster_timezone'),
            check_local_time_exists('End', 'end_text', 'ended_at_local', 'cluster_timezone'),
            'case when not is_step_row then ' ~ quarantine_detail([
                check_rule('slurm_account is null', "subject_field || ' is empty'"),
                check_present('State', 'job_state'),
                check_parsed('Submit', 'submit_text', 'submitted_at'),
                check_parsed('Start', 'start_text', 'started_at'),
                check_declared_period('Start', 'start_text', 'started_at', 'source_file', "interval 1 month", "interval 1 day"),
                check_rule('elapsed_raw_text is null and elapsed_text is null', "'ElapsedRaw is empty'"),
                check_parsed('ElapsedRaw', 'elapsed_raw_text', 'elapsed_seconds'),
                check_parsed('Elapsed', 'case when elapsed_raw_text is null then elapsed_text end', 'elapsed_seconds'),
                check_rule('elapsed_seconds < 0', "'ElapsedRaw=''' || elapsed_raw_text || ''' is negative'"),
                check_rule('started_at is null and elapsed_seconds > 0', "'Start is empty but ElapsedRaw=''' || elapsed_raw_text || ''''"),
                check_rule('allocated_tres is null and cpus_text is null and elapsed_seconds > 0', "'AllocTRES is empty for a job that ran'"),
                check_rule('not is_tres_well_formed', "'AllocTRES=''' || allocated_tres || ''''"),
                check_rule(
                    'tres_cpu_text is not null and allocated_cpu_count is null',
                    "case when is_from_fields then 'NCPUS' else 'AllocTRES cpu' end || '=''' || tres_cpu_text || ''''"
                ),
                check_rule(
                    'tres_memory_text is not null and allocated_memory_bytes is null',
                    "case when is_from_fields then 'ReqMem/AllocMem' else 'AllocTRES mem' end || '=''' || tres_memory_text || ''''"
                ),
                check_parsed('AllocTRES gres/gpu', 'tres_gpu_untyped_text', 'allocated_gpu_untyped_count'),
                check_rule(
                    list_count_not_null(list_keep('allocated_gpus_by_type', 'gpu', 'gpu.gpu_count is null')) ~ ' > 0',
                    "'AllocTRES gres/gpu:<type>=''' || allocated_tres || ''''"
                ),
            ]) ~ ' end',
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        validated.source_file,
        validated.source_row,
        validated.file_sha256,
        validated.cluster_id,
        validated.job_id,
        validated.job_id_raw,
        validated.slurm_cluster_name,
        validated.subject_field,
        validated.slurm_account,
        validated.user_name,
        validated.partition_name,
        validated.job_state,
        validated.job_state_code,
        validated.is_step_row,
        validated.submitted_at,
        validated.started_at,
        validated.ended_at,
        validated.elapsed_text,
        validated.elapsed_seconds,
        validated.allocated_tres,
        coalesce(allocated_cpu_count, 0) as allocated_cpu_count,
        coalesce(allocated_memory_bytes, 0) as allocated_memory_bytes,
        coalesce(
            {{ list_keep('allocated_gpus_by_type', 'gpu', 'gpu.gpu_count > 0') }},
            []
        ) as allocated_gpus_by_type,
        coalesce(allocated_gpu_untyped_count, 0) as allocated_gpu_untyped_count,
        validated.node_list,
        {{ quarantine_reason() }} as quarantine_reason,
        validated.quarantine_detail,

    from validated

)

select * from final
