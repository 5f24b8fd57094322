{%- set sampled_at_local = "coalesce(try_strptime(sampled_at_text, '%m-%d-%Y %H:%M:%S.%g'), "
    ~ "try_strptime(sampled_at_text, '%m-%d-%Y %H:%M:%S'))" -%}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

-- source, renamed and parsed are not materialised: local_series_in_utc (typed) reads parsed four
-- times, three of them for a few columns, which DuckDB then recomputes from the raw table
-- instead of keeping a copy of every wide row (macros/parsing/_parsing__macros.yml)
source as not materialized (

    {{ current_rows(source('energy', 'energy_ptd_power_log')) }}

),

renamed as not materialized (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as site_id,
        sites.timezone as site_timezone,
        coalesce(sites.reading_format = 'ptd_power_log', false) as is_declared_site,
        {{ clean_text('source.column00') }} as time_label,
        {{ clean_text('source.column01') }} as sampled_at_text,
        {{ clean_text('source.column02') }} as watts_label,
        {{ clean_text('source.column03') }} as watts_text,
        {{ clean_text('source.column04') }} as volts_label,
        {{ clean_text('source.column05') }} as volts_text,
        {{ clean_text('source.column06') }} as amps_label,
        {{ clean_text('source.column07') }} as amps_text,
        {{ clean_text('source.column08') }} as power_factor_label,
        {{ clean_text('source.column09') }} as power_factor_text,
        {{ clean_text('source.column10') }} as mark_label,
        {{ clean_text('source.column11') }} as meter_id,

    from source
    left join sites
        on source._source_id = sites.site_id

),

parsed as not materialized (

    -- every text parsed in one place: the window and the checks below read these columns
    select
        *,
        {{ sampled_at_local }} as sampled_at_local,
        {{ file_declared_period_start('source_file') }} as declared_period_start,
        {{ parse_decimal('watts_text') }} as watts,
        {{ parse_decimal('volts_text') }} as volts,
        {{ parse_decimal('amps_text') }} as amps,
        {{ parse_decimal('power_factor_text') }} as power_factor,

    from renamed

),

typed as (

    {{ local_series_in_utc('parsed', 'sampled_at_local', 'site_timezone', 'sampled_at') }}

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_site', "'_source_id=''' || coalesce(site_id, '') || ''' is not a declared ptd_power_log site'"),
            check_rule("coalesce(time_label, '') <> 'Time'", "'column00=''' || coalesce(time_label, '') || ''' is not Time'"),
            check_rule("coalesce(watts_label, '') <> 'Watts'", "'column02=''' || coalesce(watts_label, '') || ''' is not Watts'"),
            check_rule("coalesce(mark_label, '') <> 'Mark'", "'column10=''' || coalesce(mark_label, '') || ''' is not Mark'"),
            check_present('column11 (meter)', 'meter_id'),
            check_present('column01 (time)', 'sampled_at_text'),
            check_parsed('column01 (time)', 'sampled_at_text', 'sampled_at'),
            check_local_time_exists('column01 (time)', 'sampled_at_text', 'sampled_at_local', 'site_timezone', 'is_skipped_wall_time'),
            check_declared_period(
                'column01 (time)', 'sampled_at_text', 'sampled_at', 'source_file', 'interval 1 day', 'interval 1 day',
                'declared_period_start'
            ),
            check_present('column03 (watts)', 'watts_text'),
            check_parsed('column03 (watts)', 'watts_text', 'watts'),
            check_rule('watts < 0', "'column03 (watts)=''' || watts_text || ''' is negative'"),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        site_id,
        meter_id,
        sampled_at,
        watts,
        volts,
        amps,
        power_factor,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
