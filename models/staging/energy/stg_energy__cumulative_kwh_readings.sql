{%- set reading_at_local = "try_strptime(reading_time_text, '%Y-%m-%dT%H:%M:%S')" -%}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

-- source, renamed and parsed are not materialised: local_series_in_utc (typed) reads parsed four
-- times, three of them for a few columns, which DuckDB then recomputes from the raw table
-- instead of keeping a copy of every wide row (macros/parsing/_parsing__macros.yml)
source as not materialized (

    {{ current_rows(source('energy', 'energy_cumulative_kwh')) }}

),

renamed as not materialized (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as site_id,
        sites.timezone as site_timezone,
        coalesce(sites.reading_format = 'cumulative_kwh', false) as is_declared_site,
        {{ clean_text('source."MeterId"') }} as meter_id,
        {{ clean_text('source."Timestamp"') }} as reading_time_text,
        {{ clean_text('source."CounterKWh"') }} as counter_kwh_text,
        regexp_matches(trim(source.timestamp), '(Z|[+-][0-9]{2}:?[0-9]{2})$') as has_utc_offset,

    from source
    left join sites
        on source._source_id = sites.site_id

),

parsed as not materialized (

    -- every text parsed in one place: the window and the checks below read these columns
    select
        *,
        case when not has_utc_offset then {{ reading_at_local }} end as reading_at_local,
        case
            when has_utc_offset then {{ parse_utc_timestamp('reading_time_text') }}
        end as reading_at_with_offset,
        {{ file_declared_period_start('source_file') }} as declared_period_start,
        {{ parse_decimal("replace(counter_kwh_text, ',', '.')") }} as counter_kwh,

    from renamed

),

typed as (

    {{ local_series_in_utc(
        'parsed', 'reading_at_local', 'site_timezone', 'reading_at', 'has_utc_offset', 'reading_at_with_offset'
    ) }}

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_site', "'_source_id=''' || coalesce(site_id, '') || ''' is not a declared cumulative_kwh site'"),
            check_present('MeterId', 'meter_id'),
            check_present('Timestamp', 'reading_time_text'),
            check_utc_timestamp('Timestamp', 'reading_time_text', 'reading_at'),
            check_local_time_exists('Timestamp', 'reading_time_text', 'reading_at_local', 'site_timezone', 'is_skipped_wall_time'),
            check_declared_period(
                'Timestamp', 'reading_time_text', 'reading_at', 'source_file', 'interval 1 day', 'interval 1 day',
                'declared_period_start'
            ),
            check_present('CounterKWh', 'counter_kwh_text'),
            check_parsed('CounterKWh', 'counter_kwh_text', 'counter_kwh'),
            check_rule('counter_kwh < 0', "'CounterKWh=''' || counter_kwh_text || ''' is negative'"),
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
        counter_kwh,
        {{ joules_per_energy_unit('kwh') }} as joules_per_counter_unit,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
