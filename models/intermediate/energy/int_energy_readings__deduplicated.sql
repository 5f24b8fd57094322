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

with

sites as (

    select * from {{ ref('energy_sites') }}

),

cumulative_kwh as (

    select
        source_file,
        source_row,
        file_sha256,
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
        file_sha256,
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
        file_sha256,
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
        file_sha256,
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

ranked as (

    select
        readings.*,
        sites.gap_threshold_minutes,
        row_number() over reading_copies as copy_rank,
        first_value(readings.source_file) over reading_copies as canonical_source_file,
        first_value(readings.source_row) over reading_copies as canonical_source_row,
        first_value(readings.value_signature) over reading_copies <> readings.value_signature
            as differs_from_canonical,
        readings.quarantine_reason is null
        and min(readings.value_signature) over reading_group
        <> max(readings.value_signature) over reading_group as is_conflicting,
        coalesce(
            readings.reading_at >= {{ billing_period_start() }}
            and (
                readings.reading_at < {{ billing_period_end() }}
                or (
                    readings.reading_format in ('cumulative_kwh', 'tenth_kwh_counter')
                    and readings.reading_at = {{ billing_period_end() }}
                )
            ),
            false
        ) as is_in_period,

    from (
        select
            *,
            -- what a copy says; identical copies have the same signature
            concat_ws(
                '|', reading_format, counter_value, counter_rollover, interval_minutes,
                interval_energy_joules, watts
            ) as value_signature,
        from readings
    ) as readings
    left join sites
        on readings.site_id = sites.site_id
    window reading_copies as (
        partition by
            readings.quarantine_reason is null,
            readings.site_id,
            readings.meter_id,
            readings.reading_at
        order by readings.value_signature, readings.source_file, readings.source_row
    ),
    reading_group as (
        partition by
            readings.quarantine_reason is null,
            readings.site_id,
            readings.meter_id,
            readings.reading_at
    )

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
        {{ is_file_in_period('quarantine_reason is null', 'is_in_period') }} as is_file_in_period,

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
