{{ config(materialized='table') }}

{#-
    Energy per reading interval of every meter, for intervals starting in the billing period
    (contract section 3):
    - counters: energy = next reading - reading; a decrease is a reset (energy = the new
      reading) unless the counter has a rollover and the previous reading was above 90 % of
      it (energy = new + rollover - previous); never negative;
    - interval_wh: the interval's own energy; a missing interval after it is a gap;
    - ptd_power_log: each sample's power holds until the next sample (the period end after
      the last sample), for at most gap_threshold_minutes (left Riemann sum, W x s = J);
      the time beyond is a gap.
    Readings further apart than gap_threshold_minutes are a `meter_gap`; the site's declared
    gap_policy is carried on every interval:
    - `hold`: the counter energy across the gap is held (measured, but not billed per hour)
      and the missing interval or power energy is not estimated;
    - `estimate`: the counter energy across the gap is billed; a missing interval_wh span is
      estimated at the power of the interval before it; a power sample holds until the next
      sample. The estimate is booked in the hour the gap starts and flagged `is_estimated`
      (estimated_energy_joules is the estimated part).
    A counter's last reading opens no interval (it closes the previous one). Silence at the
    period's edges (before a meter's first reading, after its last one, a whole period) is
    raised by int_exceptions__meter_edge_gaps and carries no energy here.
    hold_reason names why an interval's measured energy is held for a decision rather than
    billed; it is then neither billed nor estimated:
    - `conflicting_duplicate`: a reading opening (or, for counters, closing) it has copies
      that disagree;
    - `implausible_reading`: it implies more power than the machines on the meter are rated
      for (counter step or interval energy above rated W x seconds, or a power sample above
      rated W), e.g. a counter jump. A meter with a machine of undeclared rating is not checked.
    A table: hourly energy (usage and vendor power), the exceptions and the tests read it.
-#}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

meter_ratings as (

    -- the most a meter can measure: the rated power of all its machines, when all declare one
    select
        site_id,
        meter_id,
        case when count(rated_power_w) = count(*) then sum(rated_power_w) end as rated_power_w,
    from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null
    group by site_id, meter_id

),

-- not materialised either: each format's branch below scans the table for its own readings
-- (a copy of every reading, read three times, cost 30 s and 6 GiB of spill at 50M readings)
readings as not materialized (

    select
        readings.*,
        coalesce(sites.gap_policy, 'hold') as gap_policy,
        meter_ratings.rated_power_w,
    from {{ ref('int_energy_readings__deduplicated') }} as readings
    left join sites
        on readings.site_id = sites.site_id
    left join meter_ratings
        on readings.site_id = meter_ratings.site_id
            and readings.meter_id = meter_ratings.meter_id
    where readings.row_status in ('canonical', 'excluded')
        and readings.reading_at >= {{ billing_period_start() }} - interval 1 day
        and readings.reading_at <= {{ billing_period_end() }} + interval 1 day

),

-- not materialised: each format below reads only its own readings, so that each is its own
-- (smaller) sort and no sequenced copy of every reading is kept (at 5M readings 0.5 s and 0.6 GiB)
sequenced as not materialized (

    select
        *,
        lead(reading_at) over meter_readings as next_reading_at,
        lead(counter_value) over meter_readings as next_counter_value,
        lead(source_file) over meter_readings as next_source_file,
        lead(source_row) over meter_readings as next_source_row,
        lead(is_conflicting) over meter_readings as next_is_conflicting,
        gap_threshold_minutes * 60 as gap_threshold_seconds,

    from readings
    -- a site declares one reading format (readings of another are quarantined): the format in the
    -- partition changes no sequence, and lets each format's filter below reach under the window
    window meter_readings as (partition by site_id, meter_id, reading_format order by reading_at)

),

counter_intervals as (

    select
        *,
        reading_at as interval_start_at,
        next_reading_at as interval_end_at,
        next_counter_value < counter_value
        and counter_rollover is not null
        and counter_value > counter_rollover * 0.9 as is_rollover,
        next_counter_value < counter_value
        and not coalesce(counter_rollover is not null and counter_value > counter_rollover * 0.9, false)
            as is_reset,
        date_diff('second', reading_at, next_reading_at) > gap_threshold_seconds as is_gap,
        reading_at as gap_start_at,
    from sequenced
    where reading_format in ('cumulative_kwh', 'tenth_kwh_counter')
        and next_reading_at is not null

),

counter_energy as (

    select
        *,
        case
            when is_rollover then next_counter_value + counter_rollover - counter_value
            when is_reset then next_counter_value
            else next_counter_value - counter_value
        end * joules_per_counter_unit as measured_energy_joules,
        cast(0 as decimal(38, 6)) as extrapolated_energy_joules,
        true as can_estimate,
        -- joules above rated W x the interval's seconds (both exact: J x 1000 vs W x ms)
        coalesce(
            case
                when is_rollover then next_counter_value + counter_rollover - counter_value
                when is_reset then next_counter_value
                else next_counter_value - counter_value
            end * joules_per_counter_unit * 1000
            > rated_power_w * date_diff('millisecond', reading_at, next_reading_at),
            false
        ) as is_implausible,
    from counter_intervals

),

interval_energy as (

    select
        *,
        reading_at as interval_start_at,
        reading_at + to_minutes(interval_minutes) as interval_end_at,
        false as is_rollover,
        false as is_reset,
        coalesce(next_reading_at > reading_at + to_minutes(interval_minutes), false) as is_gap,
        reading_at + to_minutes(interval_minutes) as gap_start_at,
        interval_energy_joules as measured_energy_joules,
        -- estimate: the interval's power over the missing span up to the next reading
        -- (micro-joules, half-even)
        case
            when gap_policy = 'estimate' and next_reading_at > reading_at + to_minutes(interval_minutes)
                then cast(
                    {{ round_half_even_div(
                        decimal_to_scaled_integer('interval_energy_joules')
                        ~ " * date_diff('millisecond', reading_at + to_minutes(interval_minutes), next_reading_at)",
                        'interval_minutes * 60000'
                    ) }}
                        as decimal(38, 0)
                    ) * 0.000001
            else 0
        end as extrapolated_energy_joules,
        true as can_estimate,
        coalesce(interval_energy_joules > rated_power_w * interval_minutes * 60, false) as is_implausible,
    from sequenced
    where reading_format = 'interval_wh'

),

power_samples as (

    select
        * exclude (next_reading_at),
        -- only a gap closed by a later sample is estimated (never past the last sample)
        next_reading_at is not null as can_estimate,
        coalesce(
            next_reading_at,
            case when reading_at < {{ billing_period_end() }} then {{ billing_period_end() }} end
        ) as next_reading_at,
    from sequenced
    where reading_format = 'ptd_power_log'

),

power_holds as (

    select
        *,
        least(date_diff('millisecond', reading_at, next_reading_at), gap_threshold_seconds * 1000)
            as held_milliseconds,
        case
            when gap_policy = 'estimate' and can_estimate
                then greatest(
                        date_diff('millisecond', reading_at, next_reading_at) - gap_threshold_seconds * 1000,
                        0
                    )
            else 0
        end as estimated_milliseconds,
    from power_samples
    where next_reading_at is not null

),

power_energy as (

    select
        *,
        reading_at as interval_start_at,
        reading_at + to_milliseconds(held_milliseconds + estimated_milliseconds) as interval_end_at,
        false as is_rollover,
        false as is_reset,
        date_diff('millisecond', reading_at, next_reading_at) > gap_threshold_seconds * 1000 as is_gap,
        reading_at + to_seconds(gap_threshold_seconds) as gap_start_at,
        -- W x ms is exact in micro-watt-milliseconds (10^-9 J); rounded half-even once to micro-joules
        cast(
            {{ round_half_even_div(decimal_to_scaled_integer('watts') ~ ' * held_milliseconds', 1000) }}
            as decimal(38, 0)
        ) * 0.000001 as measured_energy_joules,
        -- estimate: the sample's power also holds across the gap, up to the next sample
        cast(
            {{ round_half_even_div(decimal_to_scaled_integer('watts') ~ ' * estimated_milliseconds', 1000) }}
            as decimal(38, 0)
        ) * 0.000001 as extrapolated_energy_joules,
        coalesce(watts > rated_power_w, false) as is_implausible,
    from power_holds

),

intervals as (

    {%- for energy_cte in ['counter_energy', 'interval_energy', 'power_energy'] %}

    select
        site_id,
        meter_id,
        reading_format,
        interval_start_at,
        interval_end_at,
        gap_policy,
        hold_reason,
        rated_power_w,
        date_diff('millisecond', interval_start_at, interval_end_at) as interval_milliseconds,
        case
            when hold_reason is not null then 0
            when is_gap and held_on_gap and gap_policy = 'hold' then 0
            else measured_energy_joules + extrapolated_energy_joules
        end as energy_joules,
        case
            when hold_reason is not null then measured_energy_joules
            when is_gap and held_on_gap and gap_policy = 'hold' then measured_energy_joules
            else 0
        end as held_energy_joules,
        coalesce(hold_reason is null and is_gap and gap_policy = 'estimate' and can_estimate, false)
            as is_estimated,
        case
            when
                not coalesce(
                    hold_reason is null and is_gap and gap_policy = 'estimate' and can_estimate, false
                )
                then 0
            when held_on_gap then measured_energy_joules
            else extrapolated_energy_joules
        end as estimated_energy_joules,
        is_reset,
        is_rollover,
        is_gap,
        case when is_gap then gap_start_at end as gap_start_at,
        case when is_gap then next_reading_at end as gap_end_at,
        source_file,
        source_row,
        next_source_file,
        next_source_row,
    from (
        select
            *,
            {{ 'true' if energy_cte == 'counter_energy' else 'false' }} as held_on_gap,
            -- a reading in conflict with a copy of itself: the energy it measures is unknown
            case
                when is_conflicting then 'conflicting_duplicate'
                {%- if energy_cte == 'counter_energy' %}
                when next_is_conflicting then 'conflicting_duplicate'
                {%- endif %}
                when is_implausible then 'implausible_reading'
            end as hold_reason,
        from {{ energy_cte }}
    )
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        site_id,
        meter_id,
        reading_format,
        interval_start_at,
        interval_end_at,
        date_trunc('hour', interval_start_at) as hour_start_at,
        cast(energy_joules as decimal(38, 6)) as energy_joules,
        cast(held_energy_joules as decimal(38, 6)) as held_energy_joules,
        gap_policy,
        hold_reason,
        rated_power_w,
        interval_milliseconds,
        is_estimated,
        cast(estimated_energy_joules as decimal(38, 6)) as estimated_energy_joules,
        coalesce(is_reset, false) as is_reset,
        coalesce(is_rollover, false) as is_rollover,
        coalesce(is_gap, false) as is_gap,
        gap_start_at,
        gap_end_at,
        source_file,
        source_row,
        next_source_file,
        next_source_row,
    from intervals
    where interval_start_at >= {{ billing_period_start() }}
        and interval_start_at < {{ billing_period_end() }}

)

select * from final
