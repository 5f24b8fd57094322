with

source as (

    {{ current_rows(source('reference', 'assignments')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        {{ clean_text('source.assignment_id') }} as assignment_id,
        {{ clean_text('source.subject_type') }} as subject_type,
        {{ clean_text('source.subject_id') }} as subject_id,
        {{ clean_text('source.customer_id') }} as customer_id,
        {{ clean_text('source.effective_from') }} as effective_from_text,
        {{ clean_text('source.effective_to') }} as effective_to_text,

    from source

),

typed as (

    select
        *,
        {{ parse_utc_timestamp('effective_from_text') }} as effective_from_at,
        {{ parse_utc_timestamp('effective_to_text') }} as effective_to_at,

    from renamed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('assignment_id', 'assignment_id'),
            check_present('subject_type', 'subject_type'),
            check_rule(
                "subject_type not in ('slurm_account', 'k8s_namespace', 'machine')",
                "'subject_type=''' || subject_type || ''' is not slurm_account, k8s_namespace or machine'"
            ),
            check_present('subject_id', 'subject_id'),
            check_present('customer_id', 'customer_id'),
            check_present('effective_from', 'effective_from_text'),
            check_parsed('effective_from', 'effective_from_text', 'effective_from_at'),
            check_parsed('effective_to', 'effective_to_text', 'effective_to_at'),
            check_rule(
                'effective_to_at <= effective_from_at',
                "'effective_to=''' || effective_to_text || ''' is not after effective_from'"
            ),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        assignment_id,
        subject_type,
        subject_id,
        customer_id,
        effective_from_at,
        effective_to_at,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
