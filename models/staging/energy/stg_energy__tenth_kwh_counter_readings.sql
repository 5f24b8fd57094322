{%- set reading_at_local = "try_strptime(reading_time_text, '%d/%m/%Y %H:%M')" -%}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

-- source, renamed and parsed are not materialised: local_series_in_utc (typed) reads parsed four
-- times, three of them for a few columns, which DuckDB then recomputes from the raw table
-- instead of keeping a copy of every wide row (macros/parsing/_parsing__macros.yml)
source as not materialized (

    {{ current_rows(source('energy', 'energy_tenth_kwh_counter')) }}

),

renamed as not materialized (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as site_id,
        sites.timezone as site_timezone,
        sites.counter_rollover,
        coalesce(sites.reading_format = 'tenth_kwh_counter', false) as is_declared_site,
        {{ clean_text('source."DeviceSerial"') }} as meter_id,
        {{ clean_text('source."ReadingTime"') }} as reading_time_text,
        {{ clean_text('source."Register"') }} as register_text,

    from source
    left join sites
        on source._source_id = sites.site_id

),

parsed as not materialized (

    -- every text parsed in one place: the window and the checks below read these columns
    select
        *,
        {{ reading_at_local }} as reading_at_local,
        {{ file_declared_period_start('source_file') }} as declared_period_start,
        {{ parse_integer('register_text') }} as register_count,

    from renamed

),

typed as (

    {{ local_series_in_utc('parsed', 'reading_at_local', 'site_timezone', 'reading_at') }}

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_site', "'_source_id=''' || coalesce(site_id, '') || ''' is not a declared tenth_kwh_counter site'"),
            check_present('DeviceSerial', 'meter_id'),
            check_present('ReadingTime', 'reading_time_text'),
            check_parsed('ReadingTime', 'reading_time_text', 'reading_at'),
            check_local_time_exists('ReadingTime', 'reading_time_text', 'reading_at_local', 'site_timezone', 'is_skipped_wall_time'),
            check_declared_period(
                'ReadingTime', 'reading_time_text', 'reading_at', 'source_file', 'interval 1 day', 'interval 1 day',
                'declared_period_start'
            ),
            check_present('Register', 'register_text'),
            check_parsed('Register', 'register_text', 'register_count'),
            check_rule('register_count < 0', "'Register=''' || register_text || ''' is negative'"),
            check_rule('register_count >= counter_rollover', "'Register=''' || register_text || ''' is not below the rollover value'"),
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
        reading_at,
        register_count,
        counter_rollover,
        {{ joules_per_energy_unit('tenth_kwh') }} as joules_per_counter_unit,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
