{#-
    Facility overhead per meter and UTC hour for sites whose declared overhead_policy is
    `pue_factor`: the metered energy x (pue - 1), exact in micro-joules (rounded half-even
    once). Kept apart from the metered energy so it becomes its own usage line
    (`energy_overhead_kwh`) that an invoice can show or not; sites with `none` have no rows.
    The part of it that comes from estimated energy is estimated_overhead_energy_joules.
-#}

with

hourly as (

    select * from {{ ref('int_energy__hourly') }}

),

sites as (

    select * from {{ ref('energy_sites') }}
    where overhead_policy = 'pue_factor'

),

final as (

    select
        hourly.site_id,
        hourly.meter_id,
        hourly.reading_format,
        hourly.hour_start_at,
        hourly.hour_end_at,
        sites.pue,
        hourly.energy_joules as metered_energy_joules,
        cast(
            {{ round_half_even_div(
                decimal_to_scaled_integer('hourly.energy_joules') ~ ' * ' ~ decimal_to_scaled_integer('sites.pue - 1'),
                1000000
            ) }}
            as decimal(38, 0)
        ) * 0.000001 as overhead_energy_joules,
        -- the overhead of the hour's estimated energy is estimated too (same rounding rule)
        cast(
            {{ round_half_even_div(
                decimal_to_scaled_integer('hourly.estimated_energy_joules') ~ ' * '
                    ~ decimal_to_scaled_integer('sites.pue - 1'),
                1000000
            ) }}
            as decimal(38, 0)
        ) * 0.000001 as estimated_overhead_energy_joules,
        hourly.source_file,
        hourly.source_row,
    from hourly
    inner join sites
        on hourly.site_id = sites.site_id
    where hourly.energy_joules > 0

)

select * from final
