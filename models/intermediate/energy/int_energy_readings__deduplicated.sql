{{ config(materialized='table') }}

{#-
    Every staged energy reading of the four site formats in one shape, with its fate in
    this billing period. Readings of the same site, meter and timestamp are copies:
    identical copies are one, the first seen (earliest source_file, then source_row) is
    canonical and the others are `duplicate_usage`. Copies whose values differ are a
    conflict: the canonical is the copy whose values sort first (no file name decides it), the differing
    copies are `conflicting_duplicate`, and every copy is flagged is_conflicting so the
    energy of the intervals it opens or closes is held, never billed. A counter reading belongs to the period when it lies in
    [period start, period end] (the reading at the end closes the period's last interval);
    an interval or power sample when it starts in [period start, period end).
    A table: the interval computation, row conservation, the exceptions and the tests read it.
-#}

{#- A reading of a copy group: the copies are found by a semi join on it, the others by an anti join. -#}
{%- set in_copy_group -%}
    signed.is_valid = copy_groups.is_valid
    and signed.site_id is not distinct from copy_groups.site_id
    and signed.meter_id is not distinct from copy_groups.meter_id
    and signed.reading_at is not distinct from copy_groups.reading_at
{%- endset %}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

read_files as (

    -- the file version each staged reading comes from (staging reads current, loaded versions
    -- only): its hash joins the rows at the end rather than riding through the copy groups,
    -- where 64 characters per reading were a quarter of what the build held and spilled
    select
        source_file,
        file_sha256,
    from {{ ref('stg_ingest__files') }}
    where is_current
        and file_status = 'loaded'
        and is_read_by_period

),

cumulative_kwh as (

    select
        source_file,
        source_row,
        site_id,
        'cumulative_kwh' as reading_format,
        meter_id,
        reading_at,
        counter_kwh as counter_value,
        cast(null as decimal(38, 6)) as counter_rollover,
        joules_per_counter_unit,
        cast(null as bigint) as interval_minutes,
        cast(null as decimal(38, 6)) as interval_energy_joules,
        cast(null as decimal(38, 6)) as watts,
        quarantine_reason,
        quarantine_detail,
    from {{ ref('stg_energy__cumulative_kwh_readings') }}

),

tenth_kwh_counter as (

    select
        source_file,
        source_row,
        site_id,
        'tenth_kwh_counter' as reading_format,
        meter_id,
        reading_at,
        cast(register_count as decimal(38, 6)) as counter_value,
        counter_rollover,
        joules_per_counter_unit,
        cast(null as bigint) as interval_minutes,
        cast(null as decimal(38, 6)) as interval_energy_joules,
        cast(null as decimal(38, 6)) as watts,
        quarantine_reason,
        quarantine_detail,
    from {{ ref('stg_energy__tenth_kwh_counter_readings') }}

),

interval_wh as (

    select
        source_file,
        source_row,
        site_id,
        'interval_wh' as reading_format,
        meter_id,
        interval_start_at as reading_at,
        cast(null as decimal(38, 6)) as counter_value,
        cast(null as decimal(38, 6)) as counter_rollover,
        cast(null as bigint) as joules_per_counter_unit,
        interval_minutes,
        energy_joules as interval_energy_joules,
        cast(null as decimal(38, 6)) as watts,
        quarantine_reason,
        quarantine_detail,
    from {{ ref('stg_energy__interval_wh_readings') }}

),

ptd_power_log as (

    select
        source_file,
        source_row,
        site_id,
        'ptd_power_log' as reading_format,
        meter_id,
        sampled_at as reading_at,
        cast(null as decimal(38, 6)) as counter_value,
        cast(null as decimal(38, 6)) as counter_rollover,
        cast(null as bigint) as joules_per_counter_unit,
        cast(null as bigint) as interval_minutes,
        cast(null as decimal(38, 6)) as interval_energy_joules,
        watts,
        quarantine_reason,
        quarantine_detail,
    from {{ ref('stg_energy__ptd_power_samples') }}

),

readings as (

    select * from cumulative_kwh
    union all
    select * from tenth_kwh_counter
    union all
    select * from interval_wh
    union all
    select * from ptd_power_log

),

signed as (

    select
        *,
        quarantine_reason is null as is_valid,
        coalesce(
            reading_at >= {{ billing_period_start() }}
            and (
                reading_at < {{ billing_period_end() }}
                or (
                    reading_format in ('cumulative_kwh', 'tenth_kwh_counter')
                    and reading_at = {{ billing_period_end() }}
                )
            ),
            false
        ) as is_in_period,
        -- what a copy says; identical copies have the same signature
        concat_ws(
            '|', reading_format, counter_value, counter_rollover, interval_minutes,
            interval_energy_joules, watts
        ) as value_signature,
    from readings

),

files as (

    -- whether each file belongs to the period, once per file rather than as a window over every reading
    select
        source_file,
        {{ is_file_in_period('is_valid', 'is_in_period', aggregate=true) }} as is_file_in_period,
    from signed
    group by source_file

),

copy_groups as (

    -- site, meter and time read more than once (among valid or among quarantined readings):
    -- only these need ranking; a window over every reading would sort a million one-row groups
    select
        is_valid,
        site_id,
        meter_id,
        reading_at,
    from signed
    group by is_valid, site_id, meter_id, reading_at
    having count(*) > 1

),

copy_readings as (

    -- the readings of a copy group, found by a semi join (as the others by an anti join): no copy
    -- flag is kept over every reading (at 5M readings that copy cost 2 s and 1.8 GiB)
    select signed.*
    from signed
    semi join copy_groups
        on {{ in_copy_group }}

),

copies as (

    select
        *,
        row_number() over reading_copies as copy_rank,
        first_value(source_file) over reading_copies as canonical_source_file,
        first_value(source_row) over reading_copies as canonical_source_row,
        first_value(value_signature) over reading_copies <> value_signature as differs_from_canonical,
        is_valid
        and min(value_signature) over reading_group
        <> max(value_signature) over reading_group as is_conflicting,
    from copy_readings
    window reading_copies as (
        partition by is_valid, site_id, meter_id, reading_at
        order by value_signature, source_file, source_row
    ),
    reading_group as (
        partition by is_valid, site_id, meter_id, reading_at
    )

),

single_readings as (

    -- a reading without copies is its own canonical and agrees with itself
    select
        signed.*,
        cast(1 as bigint) as copy_rank,
        signed.source_file as canonical_source_file,
        signed.source_row as canonical_source_row,
        false as differs_from_canonical,
        false as is_conflicting,
    from signed
    anti join copy_groups
        on {{ in_copy_group }}

),

deduplicated as (

    select * exclude (is_valid, value_signature) from copies
    union all
    select * exclude (is_valid, value_signature) from single_readings

),

ranked as (

    select
        deduplicated.*,
        read_files.file_sha256,
        sites.gap_threshold_minutes,
        files.is_file_in_period,
    from deduplicated
    left join read_files
        on deduplicated.source_file = read_files.source_file
    left join sites
        on deduplicated.site_id = sites.site_id
    left join files
        on deduplicated.source_file is not distinct from files.source_file

),

classified as (

    select
        ranked.*,
        case
            when ranked.quarantine_reason is not null then 'quarantined'
            when ranked.copy_rank > 1 then 'duplicate'
            when ranked.is_in_period then 'canonical'
            else 'excluded'
        end as row_status,

    from ranked

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        'energy_' || reading_format as source_kind,
        site_id,
        reading_format,
        meter_id,
        reading_at,
        counter_value,
        counter_rollover,
        joules_per_counter_unit,
        interval_minutes,
        interval_energy_joules,
        watts,
        gap_threshold_minutes,
        is_conflicting,
        case when row_status = 'duplicate' then canonical_source_file end as canonical_source_file,
        case when row_status = 'duplicate' then canonical_source_row end as canonical_source_row,
        is_file_in_period,
        row_status,
        case
            when row_status = 'quarantined' then quarantine_reason
            when row_status = 'duplicate' and differs_from_canonical then 'conflicting_duplicate'
            when row_status = 'duplicate' then 'duplicate_usage'
        end as reason_code,
        case when row_status = 'excluded' then 'outside_period' end as exclusion_reason,
        quarantine_detail,

    from classified

)

select * from final
