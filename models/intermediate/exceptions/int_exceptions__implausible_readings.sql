{#-
    `implausible_reading` exceptions: per meter and UTC hour whose energy is held because an
    interval implies more power than the machines on the meter are rated for (a counter jump,
    an interval or a power sample beyond the meter's rated_power_w; int_energy__intervals).
    Blocking: the held energy is never billed until the readings are corrected.
-#}

with

implausible_intervals as (

    select * from {{ ref('int_energy__intervals') }}
    where hold_reason = 'implausible_reading'

),

held_hours as (

    select
        site_id,
        meter_id,
        hour_start_at,
        min(rated_power_w) as rated_power_w,
        count(*) as interval_count,
        sum(held_energy_joules) as held_energy_joules,
        sum(interval_milliseconds) as held_milliseconds,
        arg_min(source_file, (interval_start_at, source_file, source_row)) as source_file,
        arg_min(source_row, (interval_start_at, source_file, source_row)) as source_row,
    from implausible_intervals
    group by site_id, meter_id, hour_start_at

),

final as (

    select
        'implausible_reading' as reason_code,
        'energy' as source_system,
        source_file,
        cast(source_row as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        'meter' as subject_type,
        meter_id as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(held_energy_joules as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        'meter ' || meter_id || ' measured ' || cast(held_energy_joules as varchar) || ' J in '
        || cast({{ integer_divide('held_milliseconds', 1000) }} as varchar) || ' s of ' || interval_count
        || ' interval(s) from ' || strftime(hour_start_at, '%Y-%m-%dT%H:%M:%SZ')
        || ', more than the rated ' || cast(rated_power_w as varchar) || ' W of its machines allow'
        || '; the energy is held, not billed, until the readings are corrected' as detail,
    from held_hours

)

select * from final
