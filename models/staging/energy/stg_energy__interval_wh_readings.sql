with

sites as (

    select * from {{ ref('energy_sites') }}

),

source as (

    {{ current_rows(source('energy', 'energy_interval_wh')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as site_id,
        coalesce(sites.reading_format = 'interval_wh', false) as is_declared_site,
        {{ clean_text('source."meter"') }} as meter_id,
        {{ clean_text('source."interval_start_utc"') }} as interval_start_text,
        {{ clean_text('source."interval_minutes"') }} as interval_minutes_text,
        {{ clean_text('source."energy_wh"') }} as energy_wh_text,

    from source
    left join sites
        on source._source_id = sites.site_id

),

typed as (

    select
        *,
        {{ parse_utc_timestamp('interval_start_text') }} as interval_start_at,
        {{ parse_integer('interval_minutes_text') }} as interval_minutes,
        {{ parse_decimal('energy_wh_text') }} as energy_wh,

    from renamed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_site', "'_source_id=''' || coalesce(site_id, '') || ''' is not a declared interval_wh site'"),
            check_present('meter', 'meter_id'),
            check_present('interval_start_utc', 'interval_start_text'),
            check_utc_timestamp('interval_start_utc', 'interval_start_text', 'interval_start_at'),
            check_declared_period(
                'interval_start_utc', 'interval_start_text', 'interval_start_at', 'source_file', 'interval 1 day', 'interval 1 day'
            ),
            check_present('interval_minutes', 'interval_minutes_text'),
            check_parsed('interval_minutes', 'interval_minutes_text', 'interval_minutes'),
            check_rule('interval_minutes <= 0', "'interval_minutes=''' || interval_minutes_text || ''' is not positive'"),
            check_present('energy_wh', 'energy_wh_text'),
            check_parsed('energy_wh', 'energy_wh_text', 'energy_wh'),
            check_rule('energy_wh < 0', "'energy_wh=''' || energy_wh_text || ''' is negative'"),
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
        interval_start_at,
        interval_minutes,
        interval_start_at + to_minutes(interval_minutes) as interval_end_at,
        energy_wh,
        energy_wh * {{ joules_per_energy_unit('wh') }} as energy_joules,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
