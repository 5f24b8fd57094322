-- One hand-written DuckDB pass over the raw tables, both sides of the money:
-- - what we bill: deduplicate, integrate energy, attribute usage to customers as of its time,
--   price it with the version in force and total invoice lines;
-- - what vendors should bill us: each colocation site's metered energy over the month priced
--   with the vendor's power rate card, and the contracted space and cross-connects.
-- `make bench` times it next to the dbt pipeline and checks both give the same lines.
-- Parameters: $period_start, $period_end (UTC timestamps).
-- Output: side ('customer' or 'vendor'), party (customer or vendor), sku_id, version (price list
-- or rate card), site_id (vendor lines), amount_minor (rounded half-even, in the currency's minor
-- units; customer invoices here are in two-decimal currencies).
with current_files as (
    select source_file, file_sha256 from raw.file_registry where is_current and status = 'loaded'
),
assignments as (
    select subject_type, subject_id, customer_id,
        try_strptime(effective_from, '%Y-%m-%dT%H:%M:%SZ') as valid_from,
        coalesce(try_strptime(effective_to, '%Y-%m-%dT%H:%M:%SZ'), timestamp '9999-12-31') as valid_to
    from raw.assignments
),
prices as (
    select c.customer_id, p.sku_id, p.price_list_version, p.unit_price, u.base_units_per_pricing_unit,
        p.effective_from::timestamp as valid_from,
        coalesce(p.effective_to::timestamp, timestamp '9999-12-31') as valid_to
    from raw.customers as c
    join policy.customer_price_lists as p on p.price_list_id = c.price_list_id
    join policy.units as u on u.pricing_unit = p.pricing_unit
),
slurm_jobs as (
    select j."JobID" as job_id, j."Account" as account, j."State" as state, j."AllocTRES" as tres,
        j._source_file, j._source_row,
        timezone('UTC', timezone(k.timezone, try_strptime(j."Start", '%Y-%m-%dT%H:%M:%S'))) as start_at,
        try_cast(j."ElapsedRaw" as bigint) as elapsed_seconds
    from raw.slurm_jobs as j
    semi join current_files as f on f.source_file = j._source_file and f.file_sha256 = j._file_sha256
    join policy.scheduler_clusters as k on k.cluster_id = j._source_id
    where not contains(j."JobID", '.')
),
slurm_canonical as (
    select * from slurm_jobs
    where start_at is not null and elapsed_seconds > 0
    qualify row_number() over (
        partition by job_id
        order by state = 'REQUEUED', start_at desc, _source_file, _source_row
    ) = 1
),
slurm_lines as (
    select account as subject_id, start_at,
        start_at + to_seconds(elapsed_seconds) as end_at,
        case
            when key = 'cpu' then 'cpu_core_hour'
            when key like 'gres/gpu:%' then 'gpu_hour_' || split_part(key, ':', 2)
            when key = 'mem' then 'memory_gib_hour'
        end as sku_id,
        case
            when key = 'mem' then try_cast(regexp_extract(value, '^([0-9.]+)', 1) as decimal(38, 6))
                * case right(value, 1) when 'K' then 1024 when 'M' then 1048576
                    when 'G' then 1073741824 when 'T' then 1099511627776 else 1 end
            else try_cast(value as decimal(38, 6))
        end as quantity_per_second
    from slurm_canonical,
        unnest(string_split(tres, ',')) as item(pair),
        lateral (select split_part(pair, '=', 1) as key, split_part(pair, '=', 2) as value)
),
slurm_rated as (
    select a.customer_id, l.sku_id, p.price_list_version, p.unit_price, p.base_units_per_pricing_unit,
        l.quantity_per_second * epoch(
            least(l.end_at, a.valid_to, p.valid_to, $period_end)
            - greatest(l.start_at, a.valid_from, p.valid_from, $period_start)
        ) as quantity_base
    from slurm_lines as l
    join assignments as a
        on a.subject_type = 'slurm_account' and a.subject_id = l.subject_id
        and a.valid_from < l.end_at and a.valid_to > l.start_at
    join prices as p
        on p.customer_id = a.customer_id and p.sku_id = l.sku_id
        and p.valid_from < l.end_at and p.valid_to > l.start_at
    where l.sku_id is not null
        and least(l.end_at, a.valid_to, p.valid_to, $period_end)
            > greatest(l.start_at, a.valid_from, p.valid_from, $period_start)
),
opencost_records as (
    select o._source_id, o._source_file, o._source_row, o."Date" as day_text, o."Namespace" as namespace,
        o."Pod" as pod, o."Container" as container,
        greatest(try_cast(o."CPUCoreRequestAverage" as decimal(38, 9)),
            try_cast(o."CPUCoreUsageAverage" as decimal(38, 9))) * 86400 as core_seconds,
        greatest(try_cast(o."RAMBytesRequestAverage" as decimal(38, 6)),
            try_cast(o."RAMBytesUsageAverage" as decimal(38, 6))) * 86400 as byte_seconds
    from raw.opencost_allocations as o
    semi join current_files as f on f.source_file = o._source_file and f.file_sha256 = o._file_sha256
    union all
    -- the `/allocation` API response: core-hours and byte-hours per allocation and day
    select r._source_id, r._source_file, r._source_row, left(r.record ->> '$.window.start', 10),
        case when r.allocation_key in ('__idle__', '__unallocated__') then r.allocation_key
            else r.record ->> '$.properties.namespace' end,
        r.record ->> '$.properties.pod', r.record ->> '$.properties.container',
        try_cast(r.record ->> '$.cpuCoreHours' as decimal(38, 9)) * 3600,
        try_cast(r.record ->> '$.ramByteHours' as decimal(38, 6)) * 3600
    from raw.opencost_allocation_records as r
    semi join current_files as f on f.source_file = r._source_file and f.file_sha256 = r._file_sha256
),
opencost_days as (
    select namespace as subject_id, day_text::date::timestamp as day_start, core_seconds, byte_seconds
    from opencost_records
    where namespace not in ('__idle__', '__unallocated__')
    qualify row_number() over (
        partition by _source_id, day_text, namespace, pod, container
        order by _source_file, _source_row
    ) = 1
),
opencost_lines as (
    select subject_id, day_start as usage_at, 'k8s_cpu_core_hour' as sku_id, core_seconds as quantity_base
    from opencost_days
    union all
    select subject_id, day_start, 'k8s_memory_gib_hour', byte_seconds from opencost_days
),
counter_kwh as (
    select _source_id as site_id, "MeterId" as meter_id,
        timezone('UTC', try_strptime("Timestamp", '%Y-%m-%dT%H:%M:%S%z')) as read_at,
        try_cast(replace("CounterKWh", ',', '.') as decimal(38, 6)) * 3600000 as counter_joules
    from raw.energy_cumulative_kwh
    semi join current_files as f on f.source_file = _source_file and f.file_sha256 = _file_sha256
),
counter_tenths as (
    select r._source_id as site_id, r."DeviceSerial" as meter_id,
        timezone('UTC', timezone(s.timezone, try_strptime(r."ReadingTime", '%d/%m/%Y %H:%M'))) as read_at,
        try_cast(r."Register" as decimal(38, 6)) as register,
        s.counter_rollover::decimal(38, 6) as rollover
    from raw.energy_tenth_kwh_counter as r
    semi join current_files as f on f.source_file = r._source_file and f.file_sha256 = r._file_sha256
    join policy.energy_sites as s on s.site_id = r._source_id
),
energy_intervals as (
    select site_id, meter_id, lag(read_at) over w as interval_start,
        case
            when counter_joules >= lag(counter_joules) over w then counter_joules - lag(counter_joules) over w
            else counter_joules
        end as joules
    from counter_kwh
    window w as (partition by meter_id order by read_at)
    union all
    select site_id, meter_id, lag(read_at) over w,
        360000 * case
            when register >= lag(register) over w then register - lag(register) over w
            when lag(register) over w > 0.9 * rollover then register + rollover - lag(register) over w
            else register
        end
    from counter_tenths
    window w as (partition by meter_id order by read_at)
    union all
    select _source_id, meter, try_strptime(interval_start_utc, '%Y-%m-%dT%H:%M:%SZ'),
        try_cast(energy_wh as decimal(38, 6)) * 3600
    from raw.energy_interval_wh
    semi join current_files as f on f.source_file = _source_file and f.file_sha256 = _file_sha256
    union all
    select site_id, meter_id, sampled_at,
        watts * least(epoch(coalesce(lead(sampled_at) over w, $period_end) - sampled_at), gap_seconds)
    from (
        select p._source_id as site_id, p.column11 as meter_id, try_cast(p.column03 as decimal(38, 6)) as watts,
            s.gap_threshold_minutes::integer * 60 as gap_seconds,
            timezone('UTC', timezone(s.timezone, try_strptime(p.column01, '%m-%d-%Y %H:%M:%S.%g'))) as sampled_at
        from raw.energy_ptd_power_log as p
        semi join current_files as f on f.source_file = p._source_file and f.file_sha256 = p._file_sha256
        join policy.energy_sites as s on s.site_id = p._source_id
    )
    window w as (partition by meter_id order by sampled_at)
),
energy_lines as (
    select m.machine_id as subject_id, date_trunc('hour', e.interval_start) as usage_at,
        'energy_kwh' as sku_id, sum(e.joules) as quantity_base
    from energy_intervals as e
    join raw.machines as m on m.meter_id = e.meter_id and m.billing_mode = 'dedicated'
    where e.interval_start >= $period_start and e.interval_start < $period_end
    group by all
),
instant_rated as (
    select a.customer_id, l.sku_id, p.price_list_version, p.unit_price, p.base_units_per_pricing_unit,
        l.quantity_base
    from (
        select 'k8s_namespace' as subject_type, * from opencost_lines
        where usage_at >= $period_start and usage_at < $period_end
        union all
        select 'machine', * from energy_lines
    ) as l
    join assignments as a
        on a.subject_type = l.subject_type and a.subject_id = l.subject_id
        and a.valid_from <= l.usage_at and a.valid_to > l.usage_at
    join prices as p
        on p.customer_id = a.customer_id and p.sku_id = l.sku_id
        and p.valid_from <= l.usage_at and p.valid_to > l.usage_at
),
invoice_lines as (
    select customer_id, sku_id, price_list_version, any_value(unit_price) as unit_price,
        any_value(base_units_per_pricing_unit)::hugeint as base_units, sum(quantity_base) as quantity_base
    from (select * from slurm_rated union all select * from instant_rated)
    group by all
),
-- every meter of a site counts towards the power the colocation vendor bills for it
site_energy as (
    select site_id, sum(joules) as quantity_base
    from energy_intervals
    where interval_start >= $period_start and interval_start < $period_end
    group by all
),
vendor_lines as (
    select r.vendor_id, r.vendor_sku_id, r.rate_card_version, s.site_id, r.unit_price, r.currency_code,
        u.base_units_per_pricing_unit, e.quantity_base
    from policy.energy_sites as s
    join site_energy as e on e.site_id = s.site_id
    join policy.vendor_rate_cards as r
        on r.vendor_id = s.vendor_id and r.vendor_sku_id = 'power_kwh'
        and r.effective_from <= $period_start and coalesce(r.effective_to, timestamp '9999-12-31') > $period_start
    join policy.units as u on u.pricing_unit = r.pricing_unit
    union all
    select r.vendor_id, r.vendor_sku_id, r.rate_card_version, c.site_id, r.unit_price, r.currency_code,
        u.base_units_per_pricing_unit, c.contracted_quantity
    from policy.vendor_contract_items as c
    join policy.vendor_rate_cards as r
        on r.vendor_id = c.vendor_id and r.vendor_sku_id = c.vendor_sku_id
        and r.effective_from <= $period_start and coalesce(r.effective_to, timestamp '9999-12-31') > $period_start
    join policy.units as u on u.pricing_unit = r.pricing_unit
    where c.effective_from <= $period_start and coalesce(c.effective_to, timestamp '9999-12-31') > $period_start
),
all_lines as (
    select 'customer' as side, customer_id as party, sku_id, price_list_version::varchar as version,
        null::varchar as site_id, unit_price, base_units, quantity_base, 2 as minor_units
    from invoice_lines
    union all
    select 'vendor', l.vendor_id, l.vendor_sku_id, l.rate_card_version::varchar, l.site_id, l.unit_price,
        l.base_units_per_pricing_unit::hugeint, l.quantity_base, c.minor_units
    from vendor_lines as l
    join policy.currencies as c on c.currency_code = l.currency_code
),
scaled as (
    select *, (quantity_base::decimal(38, 6) * 1000000)::hugeint * (unit_price::decimal(38, 6) * 1000000)::hugeint
            * case minor_units when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 end::hugeint
            as numerator,
        base_units * 1000000000000 as denominator
    from all_lines
)
select side, party, sku_id, version, site_id,
    ((numerator // denominator) + case
        when 2 * (numerator % denominator) > denominator then 1
        when 2 * (numerator % denominator) = denominator and (numerator // denominator) % 2 = 1 then 1
        else 0
    end) as amount_minor
from scaled
order by all
