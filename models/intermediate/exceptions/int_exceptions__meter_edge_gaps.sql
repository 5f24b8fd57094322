{#-
    `meter_gap` exceptions at the edges of the billing period: a meter silent from the period
    start (UTC) to its first reading, or from its last reading to the period end, for longer
    than its site's gap_threshold_minutes. int_energy__intervals raises the gaps between two
    readings (the interval between them starts in the period); without this model a meter that
    dies on the 10th, or starts reporting on the 20th, would leave its customer under-billed in
    silence.

    The edge rule (contract section 3, Energy rules):
    - readings count as in int_energy__intervals: canonical, and those within a day outside the
      period, so a reading just outside it closes or opens the edge (quarantined rows are no
      reading; conflicting or implausible ones are: their energy is held by its own exception);
    - what a reading covers: a counter reading alone covers nothing (its interval reaches the
      next reading, which int_energy__intervals judges), an interval_wh reading its interval, a
      power sample at most the gap threshold;
    - leading: from the period start, or the end of what the last reading before it covers if
      later, to the first reading at or after the period start (the period end at the latest);
    - trailing: from the end of what the last reading of the period covers to the period end,
      when no reading follows it within a day. Power logs are left out: their last sample
      already holds to the period end for at most the threshold and int_energy__intervals
      raises the time beyond as a gap;
    - a meter with no reading in the period has one gap over the whole period;
    - a gap between a reading before the period and the first one in it is an interval of the
      earlier period (raised by its run); this period raises the part inside it.

    Which meters: every meter with a reading within a day of the period, whatever its machines'
    billing mode. Such a meter is in service, and its silence under-counts either the dedicated
    machine's energy billed to its customer or the vendor's expected power of the site (every
    meter, shared ones too), exactly as a gap between readings does. A meter with no reading at
    all is raised only when it measures a dedicated machine assigned to a customer in the period:
    its energy is billed to that customer, so only the reference can say it should have
    reported; a shared machine carries no assignment and no dates, so a shared meter out of
    service cannot be told from one that died (the vendor's power reconciliation still compares
    the site's bill with what the meters saw).

    Nothing is estimated for an edge gap, even at a site whose gap_policy is `estimate`: an
    estimate holds the power of the reading before a gap until the reading after it, and an
    edge has only one of the two, so the energy would be invented. The silent span carries no
    energy (quantity_base is null); real readings arriving later are billed by a re-run or an
    adjustment. source_file/source_row name the reading that opens the silence (the last one
    before the period for a leading or whole-period gap, null when there is none): such a
    reading opens no gap of int_energy__intervals in this period, so exception ids stay unique.
    Same reason code and blocking semantics as a gap between readings.
-#}

with

sites as (

    select * from {{ ref('energy_sites') }}

),

readings as (

    -- the readings int_energy__intervals is built from, with what each one covers
    select
        readings.site_id,
        readings.meter_id,
        readings.reading_format,
        readings.reading_at,
        readings.source_file,
        readings.source_row,
        case readings.reading_format
            when 'interval_wh' then readings.reading_at + to_minutes(readings.interval_minutes)
            when 'ptd_power_log' then readings.reading_at + to_minutes(sites.gap_threshold_minutes)
            else readings.reading_at
        end as covered_until_at,
    from {{ ref('int_energy_readings__deduplicated') }} as readings
    inner join sites
        on readings.site_id = sites.site_id
    where readings.row_status in ('canonical', 'excluded')
        and readings.reading_at >= {{ billing_period_start() }} - interval 1 day
        and readings.reading_at <= {{ billing_period_end() }} + interval 1 day

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null

),

assignments as (

    select * from {{ ref('stg_reference__assignments') }}
    where quarantine_reason is null
        and subject_type = 'machine'

),

assigned_dedicated_meters as (

    -- dedicated machines whose energy a customer is billed for in the period
    select distinct
        machines.site_id,
        machines.meter_id,
    from machines
    inner join assignments
        on machines.machine_id = assignments.subject_id
    where machines.billing_mode = 'dedicated'
        and assignments.effective_from_at < {{ billing_period_end() }}
        and coalesce(assignments.effective_to_at, cast('infinity' as timestamp))
        > {{ billing_period_start() }}

),

meter_machines as (

    select
        site_id,
        meter_id,
        string_agg(machine_id || ', ' || billing_mode, '; ' order by machine_id) as machines_text,
    from machines
    group by site_id, meter_id

),

meter_readings as (

    select
        site_id,
        meter_id,
        min(reading_format) as reading_format,
        max(covered_until_at) filter (where reading_at < {{ billing_period_start() }})
            as before_covered_until_at,
        arg_max(source_file, reading_at) filter (where reading_at < {{ billing_period_start() }})
            as before_source_file,
        arg_max(source_row, reading_at) filter (where reading_at < {{ billing_period_start() }})
            as before_source_row,
        min(reading_at) filter (where reading_at >= {{ billing_period_start() }}) as first_at,
        count(*) filter (
            where reading_at >= {{ billing_period_start() }} and reading_at < {{ billing_period_end() }}
        ) as period_reading_count,
        count(*) filter (where reading_at >= {{ billing_period_end() }}) as after_reading_count,
        arg_max(covered_until_at, reading_at) filter (where reading_at < {{ billing_period_end() }})
            as last_covered_until_at,
        arg_max(source_file, reading_at) filter (where reading_at < {{ billing_period_end() }})
            as last_source_file,
        arg_max(source_row, reading_at) filter (where reading_at < {{ billing_period_end() }})
            as last_source_row,
    from readings
    group by site_id, meter_id

),

meters as (

    select
        coalesce(meter_readings.site_id, assigned_dedicated_meters.site_id) as site_id,
        coalesce(meter_readings.meter_id, assigned_dedicated_meters.meter_id) as meter_id,
        coalesce(meter_readings.reading_format, sites.reading_format) as reading_format,
        sites.gap_threshold_minutes,
        meter_readings.before_covered_until_at,
        meter_readings.before_source_file,
        meter_readings.before_source_row,
        meter_readings.first_at,
        coalesce(meter_readings.period_reading_count, 0) as period_reading_count,
        coalesce(meter_readings.after_reading_count, 0) as after_reading_count,
        meter_readings.last_covered_until_at,
        meter_readings.last_source_file,
        meter_readings.last_source_row,
    from meter_readings
    full outer join assigned_dedicated_meters
        on meter_readings.site_id = assigned_dedicated_meters.site_id
            and meter_readings.meter_id = assigned_dedicated_meters.meter_id
    inner join sites
        on coalesce(meter_readings.site_id, assigned_dedicated_meters.site_id) = sites.site_id

),

leading_edges as (

    select
        site_id,
        meter_id,
        gap_threshold_minutes,
        case when period_reading_count = 0 then 'whole_period' else 'leading' end as edge,
        greatest(
            {{ billing_period_start() }}, coalesce(before_covered_until_at, {{ billing_period_start() }})
        ) as gap_start_at,
        least(coalesce(first_at, {{ billing_period_end() }}), {{ billing_period_end() }}) as gap_end_at,
        before_source_file as source_file,
        before_source_row as source_row,
    from meters

),

trailing_edges as (

    select
        site_id,
        meter_id,
        gap_threshold_minutes,
        'trailing' as edge,
        last_covered_until_at as gap_start_at,
        {{ billing_period_end() }} as gap_end_at,
        last_source_file as source_file,
        last_source_row as source_row,
    from meters
    where period_reading_count > 0
        and after_reading_count = 0
        and reading_format <> 'ptd_power_log'

),

edge_gaps as (

    select * from leading_edges
    union all
    select * from trailing_edges

),

final as (

    select
        'meter_gap' as reason_code,
        'energy' as source_system,
        edge_gaps.source_file,
        cast(edge_gaps.source_row as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        edge_gaps.site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        'meter' as subject_type,
        edge_gaps.meter_id as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        'no readings of meter ' || edge_gaps.meter_id || ' from '
        || strftime(edge_gaps.gap_start_at, '%Y-%m-%dT%H:%M:%SZ') || ' to '
        || strftime(edge_gaps.gap_end_at, '%Y-%m-%dT%H:%M:%SZ')
        || case edge_gaps.edge
            when 'leading' then ', before its first reading of the period'
            when 'trailing' then ', after its last reading of the period'
            else ', none in the whole period'
        end
        || '; energy not measured, nothing estimated or billed'
        || coalesce(' (machine ' || meter_machines.machines_text || ')', '') as detail,
    from edge_gaps
    left join meter_machines
        on edge_gaps.site_id = meter_machines.site_id
            and edge_gaps.meter_id = meter_machines.meter_id
    where date_diff('second', edge_gaps.gap_start_at, edge_gaps.gap_end_at)
        > edge_gaps.gap_threshold_minutes * 60

)

select * from final
