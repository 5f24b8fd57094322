{#-
    Meter events between two readings (int_energy__intervals): `meter_gap` per interval longer
    than the site's gap threshold, holding its energy in joules (estimated and billed only where
    the site's gap policy and the contract allow it, else held), and `meter_reset` per counter
    that went backwards (the interval's energy is taken as the new reading). A gap names the
    reading that opens it, a reset the reading after it. The gaps at the period's edges are
    int_exceptions__meter_edge_gaps.
-#}

with

energy_intervals as (

    select * from {{ ref('int_energy__intervals') }}
    where is_gap or is_reset

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null

),

final as (

    select
        case when energy_intervals.is_gap then 'meter_gap' else 'meter_reset' end as reason_code,
        'energy' as source_system,
        case
            when energy_intervals.is_gap then energy_intervals.source_file else
                energy_intervals.next_source_file
        end
            as source_file,
        case
            when energy_intervals.is_gap then energy_intervals.source_row else
                energy_intervals.next_source_row
        end
            as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        energy_intervals.site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        'meter' as subject_type,
        energy_intervals.meter_id as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        case when energy_intervals.is_gap then energy_intervals.held_energy_joules end as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        case
            when energy_intervals.is_gap
                then 'no readings of meter ' || energy_intervals.meter_id || ' from '
                    || strftime(energy_intervals.gap_start_at, '%Y-%m-%dT%H:%M:%SZ') || ' to '
                    || strftime(energy_intervals.gap_end_at, '%Y-%m-%dT%H:%M:%SZ')
                    || case
                        when energy_intervals.gap_policy = 'estimate' and energy_intervals.is_estimated
                            then '; energy estimated, billed only where the contract allows it'
                        else '; energy held, not billed'
                    end
                    || coalesce(
                        ' (machine ' || machines.machine_id || ', ' || machines.billing_mode || ')', ''
                    )
            else 'counter of meter ' || energy_intervals.meter_id || ' went backwards at '
                || strftime(energy_intervals.interval_end_at, '%Y-%m-%dT%H:%M:%SZ')
                || '; interval energy taken as the new reading'
        end as detail,
    from energy_intervals
    left join machines
        on energy_intervals.site_id = machines.site_id
            and energy_intervals.meter_id = machines.meter_id

)

select * from final
