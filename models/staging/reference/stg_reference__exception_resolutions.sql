{#-
    Decisions on billing exceptions (reference data, every current resolutions file): typed,
    and quarantined with the column and value when an action, a time or a required field is
    not usable. fct_billing_exceptions applies the latest valid decision per exception.
-#}

with

source as (

    {{ current_rows(source('reference', 'exception_resolutions')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        {{ clean_text('source.exception_id') }} as exception_id,
        lower({{ clean_text('source.action') }}) as action,
        {{ clean_text('source.resolved_by') }} as resolved_by,
        {{ clean_text('source.resolved_at') }} as resolved_at_text,
        {{ clean_text('source.note') }} as note,

    from source

),

typed as (

    select
        *,
        {{ parse_utc_timestamp('resolved_at_text') }} as resolved_at,

    from renamed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('exception_id', 'exception_id'),
            check_present('action', 'action'),
            check_rule(
                "action not in ('resolve', 'credit', 'dispute', 'waive')",
                "'action=''' || action || ''' is not resolve, credit, dispute or waive'"
            ),
            check_present('resolved_by', 'resolved_by'),
            check_present('resolved_at', 'resolved_at_text'),
            check_parsed('resolved_at', 'resolved_at_text', 'resolved_at'),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        exception_id,
        action,
        resolved_by,
        resolved_at,
        note,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
