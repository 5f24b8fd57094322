{#-
    Every exception of the billing period, one row each, with its reason code's severity,
    blocking flag and suggested action (seeds/reconciliation/reason_codes.csv):
    - row level (int_source_rows__classified): duplicate_usage, requeued_attempt,
      late_usage, double_billed and invalid_value, for rows of files delivered for this
      period (and every invalid row of the current reference files);
    - rating (int_usage__rated): unattributed_usage per usage row (per machine for energy),
      price_missing per customer, SKU and subject;
    - energy (int_energy__intervals): meter_reset per reset, meter_gap per gap;
    - vendor (fct_vendor_reconciliation): every reconciliation line that is not matched
      (double billing is reported per duplicate line above).
    status is `auto_resolved` for reason codes whose suggested action is auto_resolve,
    otherwise `open`.
-#}

with

reason_codes as (

    select * from {{ ref('reason_codes') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}

),

rated_usage as (

    select * from {{ ref('int_usage__rated') }}

),

energy_intervals as (

    select * from {{ ref('int_energy__intervals') }}

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null

),

reconciliation as (

    select * from {{ ref('fct_vendor_reconciliation') }}

),

rejected_vendor_files as (

    -- A vendor billing file rejected at ingest (unknown or drifted layout) blocks the vendor's
    -- period until a corrected file replaces it (the rejected version then stops being current).
    select * from {{ ref('stg_ingest__files') }}
    where is_current
        and file_status = 'rejected'
        and source_file like 'vendor_billing/%'

),

row_exceptions as (

    select
        reason_code,
        case
            when source_kind like 'energy_%' then 'energy'
            when source_kind like 'reference_%' then 'reference'
            else source_kind
        end as source_system,
        source_file,
        source_row,
        vendor_id,
        vendor_sku_id,
        vendor_item_code,
        site_id,
        resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        case when reason_code = 'double_billed' then billed_amount end as amount_at_risk,
        case when reason_code = 'double_billed' then currency_code end as currency_code,
        detail,
    from classified_rows
    where reason_code in ('duplicate_usage', 'requeued_attempt', 'late_usage', 'double_billed', 'invalid_value')
        and is_file_in_period

),

unattributed_rows as (

    select
        'unattributed_usage' as reason_code,
        source_kind as source_system,
        source_file,
        source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        min(job_id) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        min(rating_detail) || ' (' || string_agg(distinct sku_id, ', ' order by sku_id) || ')' as detail,
    from rated_usage
    where rating_status = 'unattributed_usage'
        and subject_type <> 'machine'
    group by source_kind, source_file, source_row, subject_type, subject_id

),

unattributed_machines as (

    select
        'unattributed_usage' as reason_code,
        'energy' as source_system,
        min(source_file) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        min(source_id) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        cast(null as varchar) as job_id,
        'energy_kwh' as sku_id,
        sum(quantity_base) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        count(*) || ' hours of energy of machine ' || subject_id || ' have no assignment, first at '
            || strftime(min(rated_start_at), '%Y-%m-%dT%H:%M:%SZ') as detail,
    from rated_usage
    where rating_status = 'unattributed_usage'
        and subject_type = 'machine'
    group by subject_type, subject_id

),

price_missing as (

    select
        'price_missing' as reason_code,
        case when min(source_kind) like 'energy_%' then 'energy' else min(source_kind) end as source_system,
        min(source_file) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        subject_type,
        subject_id,
        cast(null as varchar) as job_id,
        sku_id,
        sum(quantity_base) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        min(rating_detail) || ' (' || count(*) || ' usage pieces)' as detail,
    from rated_usage
    where rating_status = 'price_missing'
    group by customer_id, sku_id, subject_type, subject_id

),

meter_events as (

    select
        case when energy_intervals.is_gap then 'meter_gap' else 'meter_reset' end as reason_code,
        'energy' as source_system,
        case when energy_intervals.is_gap then energy_intervals.source_file else energy_intervals.next_source_file end
            as source_file,
        case when energy_intervals.is_gap then energy_intervals.source_row else energy_intervals.next_source_row end
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
                    || '; energy held, not billed'
                    || coalesce(' (machine ' || machines.machine_id || ', ' || machines.billing_mode || ')', '')
            else 'counter of meter ' || energy_intervals.meter_id || ' went backwards at '
                || strftime(energy_intervals.interval_end_at, '%Y-%m-%dT%H:%M:%SZ')
                || '; interval energy taken as the new reading'
        end as detail,
    from energy_intervals
    left join machines
        on energy_intervals.site_id = machines.site_id
        and energy_intervals.meter_id = machines.meter_id
    where energy_intervals.is_gap or energy_intervals.is_reset

),

vendor_exceptions as (

    select
        reason_code,
        source_system,
        first_source_file as source_file,
        first_source_row as source_row,
        vendor_id,
        vendor_sku_id,
        vendor_item_code,
        site_id,
        resource_id,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        case
            when reason_code = 'missing_in_bill' then expected_amount
            when reason_code in ('unexpected_charge', 'sku_unmapped') then billed_amount
            else abs(variance_amount)
        end as amount_at_risk,
        currency_code,
        reason_code || ': billed ' || cast(billed_amount as varchar) || ' ' || coalesce(currency_code, '')
            || ' on ' || billed_line_count || ' line(s), expected ' || cast(expected_amount as varchar)
            || ', variance ' || cast(variance_amount as varchar) || ', tolerance ' || cast(tolerance_amount as varchar)
            as detail,
    from reconciliation
    where status not in ('matched', 'double_billed')

),

layout_exceptions as (

    select
        'layout_rejected' as reason_code,
        case
            when split_part(source_file, '/', 2) in ('focus', 'colo', 'aws_cur', 'azure', 'gcp')
                then split_part(source_file, '/', 2)
            else 'vendor_billing'
        end as source_system,
        source_file,
        cast(null as bigint) as source_row,
        coalesce(source_id, split_part(source_file, '/', 3)) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(null as decimal(38, 6)) as amount_at_risk,
        cast(null as varchar) as currency_code,
        file_error as detail,
    from rejected_vendor_files

),

exceptions as (

    select * from row_exceptions
    union all
    select * from unattributed_rows
    union all
    select * from unattributed_machines
    union all
    select * from price_missing
    union all
    select * from meter_events
    union all
    select * from vendor_exceptions
    union all
    select * from layout_exceptions

),

final as (

    select
        {{ stable_hash([
            billing_period_literal(), 'exceptions.reason_code', 'exceptions.source_system',
            'exceptions.source_file', 'exceptions.source_row', 'exceptions.vendor_id',
            'exceptions.vendor_sku_id', 'exceptions.vendor_item_code', 'exceptions.site_id',
            'exceptions.resource_id', 'exceptions.customer_id', 'exceptions.subject_type',
            'exceptions.subject_id', 'exceptions.sku_id',
        ]) }} as exception_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        exceptions.reason_code,
        reason_codes.severity,
        reason_codes.is_blocking,
        reason_codes.suggested_action,
        case when reason_codes.suggested_action = 'auto_resolve' then 'auto_resolved' else 'open' end as status,
        exceptions.source_system,
        exceptions.source_file,
        cast(exceptions.source_row as bigint) as source_row,
        exceptions.vendor_id,
        exceptions.vendor_sku_id,
        exceptions.site_id,
        exceptions.customer_id,
        exceptions.subject_type,
        exceptions.subject_id,
        {{ minor_units_to_amount(
            amount_to_minor_units('exceptions.amount_at_risk', 'currencies.minor_units'),
            'currencies.minor_units'
        ) }} as amount_at_risk,
        exceptions.currency_code,
        exceptions.detail,
        exceptions.job_id,
        exceptions.resource_id,
        exceptions.vendor_item_code,
        exceptions.sku_id,
        cast(exceptions.quantity_base as decimal(38, 6)) as quantity_base,
    from exceptions
    left join reason_codes
        on exceptions.reason_code = reason_codes.reason_code
    left join currencies
        on exceptions.currency_code = currencies.currency_code

)

select * from final
