{#-
    Every exception of the billing period, one row each, with its reason code's severity,
    blocking flag and suggested action (seeds/reconciliation/reason_codes.csv):
    - row level (int_exceptions__source_rows): duplicate_usage, requeued_attempt,
      late_usage, double_billed and invalid_value, for rows of files delivered for this
      period (and every invalid row of the current reference files);
    - rating (int_usage__rated): unattributed_usage per usage row (per machine for energy) in
      int_exceptions__unattributed_usage, valued at the declared list price
      (seeds/reconciliation/list_price_lists.csv), rounded half-even once per SKU and price
      version, as revenue at risk; price_missing, fx_rate_missing and estimate_not_allowed per
      customer, SKU and subject;
      fx_rate_missing per fee or commitment without its conversion rate
      (int_recurring_charges__in_force);
    - energy (int_energy__intervals): meter_reset per reset, meter_gap per gap between two
      readings; meter_gap at the period's edges (a meter silent before its first or after its
      last reading, or the whole period) in int_exceptions__meter_edge_gaps;
    - vendor (fct_vendor_reconciliation): every reconciliation line that is not matched
      (double billing is reported per duplicate line above);
    - anomalies (fct_cost_anomalies): cost_anomaly per flagged (vendor or customer, SKU, day);
    - one intermediate model per further family (models/intermediate/exceptions/), among them
      tax_profile_missing and tax_rule_missing per customer whose priced lines are not
      drafted for want of a decided tax rule, with their net at risk.
    status, first that applies: the exception's latest decision (int_exceptions__decisions:
    the valid rows of the resolutions reference data and the ledger's waivers recorded by
    `meterline close --waive-reason-code`; latest wins, the ledger waiver on the same instant):
    `waived` for waive, `disputed` for dispute, `resolved` for resolve and credit; then
    `auto_resolved` when an auto-resolution rule covers it (named in auto_rule_id), else
    `open`. resolved_by, resolved_at and resolution_note are the decision's who, when and why;
    a ledger waiver names its waiver_id instead of a resolutions file and row. The close job
    rebuilds this mart and those downstream of it once waivers are recorded
    (orchestration/close/exception_statuses.py), and every later run reads the same ledger, so a waived
    exception stays waived. first_seen_at is the period end (when the period's run can first
    raise it), so re-runs are identical; age_days runs to the decision, or to MET_AS_OF_DATE
    (default: the period end) while undecided.
-#}

with

reason_codes as (

    select * from {{ ref('reason_codes') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

rated_usage as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}

),

recurring_charges as (

    select * from {{ ref('int_recurring_charges__in_force') }}

),

energy_intervals as (

    select * from {{ ref('int_energy__intervals') }}

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null

),

reconciliation as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

anomalies as (

    select * from {{ of_billing_period(ref('fct_cost_anomalies')) }}
    where is_anomaly

),

auto_rules as (

    select * from {{ ref('auto_resolution_rules') }}

),

decisions as (

    select * from {{ ref('int_exceptions__decisions') }}

),

rejected_files as (

    -- Any landing file rejected at ingest (vendor bill, scheduler dump, energy readings,
    -- reference data: unknown or drifted layout, unreadable) blocks the period until a
    -- corrected file replaces it (the rejected version then stops being current): without it
    -- the month would close short of a cluster's usage or a site's energy, in silence.
    select
        *,
        split_part(source_file, '/', 1) as landing_area,
        split_part(source_file, '/', 2) as landing_format,
        split_part(source_file, '/', 3) as landing_source_id,
    from {{ ref('stg_ingest__files') }}
    where is_current
        and file_status = 'rejected'

),

unrated_usage as (

    -- also fx_rate_missing (usage in a foreign currency without a valid rate for its policy's
    -- date) and estimate_not_allowed (estimated energy the contract does not let us bill)
    select
        rating_status as reason_code,
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
    where rating_status in ('price_missing', 'fx_rate_missing', 'estimate_not_allowed')
    group by rating_status, customer_id, sku_id, subject_type, subject_id

),

unconverted_charges as (

    -- a fee or commitment in another currency without the period-end rate: not invoiced
    select
        charge_status as reason_code,
        -- the missing input is the FX reference data
        'reference' as source_system,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        'recurring_charge' as subject_type,
        charge_id as subject_id,
        cast(null as varchar) as job_id,
        charge_id as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        cast(amount as decimal(38, 6)) as amount_at_risk,
        charge_currency_code as currency_code,
        charge_detail as detail,
    from recurring_charges
    where charge_status = 'fx_rate_missing'

),

meter_events as (

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
            when reason_code in ('unexpected_charge', 'sku_unmapped', 'late_adjustment', 'period_drift')
                then abs(billed_amount)
            else abs(variance_amount)
        end as amount_at_risk,
        currency_code,
        detail,
    from reconciliation
    where status not in ('matched', 'double_billed')

),

anomaly_exceptions as (

    select
        'cost_anomaly' as reason_code,
        source_system,
        first_source_file as source_file,
        first_source_row as source_row,
        vendor_id,
        case when baseline_scope = 'vendor_sku' then sku_id end as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        cast(null as varchar) as site_id,
        cast(null as varchar) as resource_id,
        customer_id,
        cast(null as varchar) as subject_type,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as job_id,
        case when baseline_scope = 'customer_sku' then sku_id end as sku_id,
        case when baseline_scope = 'customer_sku' then deviation end as quantity_base,
        case when baseline_scope = 'vendor_sku' then deviation end as amount_at_risk,
        case when baseline_scope = 'vendor_sku' then unit end as currency_code,
        baseline_scope || ' ' || coalesce(vendor_id, customer_id) || ' ' || sku_id || ' on '
        || strftime(usage_date, '%Y-%m-%d') || ': ' || cast(daily_value as varchar) || ' ' || unit
        || ' vs baseline median '
        || cast(baseline_median as varchar)
        || ' (MAD '
        || cast(baseline_mad as varchar)
        || ' over ' || baseline_days || ' days), deviation +' || cast(deviation as varchar)
        || ' above the threshold ' || cast(threshold_deviation as varchar) as detail,
    from anomalies

),

layout_exceptions as (

    select
        'layout_rejected' as reason_code,
        case
            when landing_area = 'vendor_billing'
                and landing_format in ('focus', 'colo', 'aws_cur', 'azure', 'gcp', 'oci')
                then landing_format
            when landing_area = 'scheduler' and landing_format in ('slurm', 'opencost') then landing_format
            when landing_area in ('vendor_billing', 'scheduler', 'energy', 'reference') then landing_area
            else 'landing'
        end as source_system,
        source_file,
        cast(null as bigint) as source_row,
        case
            when landing_area = 'vendor_billing' then coalesce(source_id, nullif(landing_source_id, ''))
        end as vendor_id,
        cast(null as varchar) as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        case when landing_area = 'energy' then coalesce(source_id, nullif(landing_format, '')) end as site_id,
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
    from rejected_files

),

exceptions as (

    select * from {{ ref('int_exceptions__source_rows') }}
    union all
    select * from {{ ref('int_exceptions__unattributed_usage') }}
    union all
    select * from unrated_usage
    union all
    select * from unconverted_charges
    union all
    select * from meter_events
    union all
    select * from vendor_exceptions
    union all
    select * from anomaly_exceptions
    union all
    select * from layout_exceptions
    union all
    select * from {{ ref('int_exceptions__step_only_jobs') }}
    union all
    select * from {{ ref('int_exceptions__conflicting_duplicates') }}
    union all
    select * from {{ ref('int_exceptions__implausible_readings') }}
    union all
    select * from {{ ref('int_exceptions__meter_edge_gaps') }}
    union all
    select * from {{ ref('int_exceptions__receivables') }}
    union all
    select * from {{ ref('int_exceptions__untaxed_customers') }}

),

identified as (

    select
        {{ stable_hash([
            billing_period_literal(), 'exceptions.reason_code', 'exceptions.source_system',
            'exceptions.source_file', 'exceptions.source_row', 'exceptions.vendor_id',
            'exceptions.vendor_sku_id', 'exceptions.vendor_item_code', 'exceptions.site_id',
            'exceptions.resource_id', 'exceptions.customer_id', 'exceptions.subject_type',
            'exceptions.subject_id', 'exceptions.sku_id',
        ]) }} as exception_id,
        exceptions.*,
        {{ minor_units_to_amount(
            amount_to_minor_units('exceptions.amount_at_risk', 'currencies.minor_units'),
            'currencies.minor_units'
        ) }} as amount_at_risk_rounded,
    from exceptions
    left join currencies
        on exceptions.currency_code = currencies.currency_code

),

auto_resolved as (

    select
        identified.exception_id,
        min(auto_rules.auto_rule_id) as auto_rule_id,
    from identified
    inner join auto_rules
        on identified.reason_code = auto_rules.reason_code
            and (
                auto_rules.max_amount_at_risk is null
                or abs(identified.amount_at_risk_rounded) <= auto_rules.max_amount_at_risk
            )
    group by identified.exception_id

),

final as (

    select
        identified.exception_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        identified.reason_code,
        reason_codes.severity,
        reason_codes.is_blocking,
        reason_codes.suggested_action,
        cast(
            case
                when decisions.action = 'waive' then 'waived'
                when decisions.action = 'dispute' then 'disputed'
                when decisions.action is not null then 'resolved'
                when auto_resolved.auto_rule_id is not null then 'auto_resolved'
                else 'open'
            end as varchar
        ) as status,
        identified.source_system,
        identified.source_file,
        cast(identified.source_row as bigint) as source_row,
        identified.vendor_id,
        identified.vendor_sku_id,
        identified.site_id,
        identified.customer_id,
        identified.subject_type,
        identified.subject_id,
        identified.amount_at_risk_rounded as amount_at_risk,
        identified.currency_code,
        identified.detail,
        identified.job_id,
        identified.resource_id,
        identified.vendor_item_code,
        identified.sku_id,
        cast(identified.quantity_base as decimal(38, 6)) as quantity_base,
        cast(case when decisions.action is null then auto_resolved.auto_rule_id end as varchar)
            as auto_rule_id,
        cast(decisions.action as varchar) as resolution_action,
        cast(decisions.decided_by as varchar) as resolved_by,
        cast(decisions.decided_at as timestamp) as resolved_at,
        cast(decisions.decision_note as varchar) as resolution_note,
        cast(decisions.resolution_source_file as varchar) as resolution_source_file,
        cast(decisions.resolution_source_row as bigint) as resolution_source_row,
        cast(decisions.waiver_id as varchar) as waiver_id,
        cast({{ billing_period_end() }} as timestamp) as first_seen_at,
        cast(
            greatest(
                date_diff(
                    'day',
                    {{ billing_period_end() }},
                    coalesce(decisions.decided_at, {{ as_of_at() }})
                ),
                0
            ) as integer
        ) as age_days,
        cast(identified.source_file is not null and identified.source_row is not null as boolean)
            as has_row_lineage,
    from identified
    left join reason_codes
        on identified.reason_code = reason_codes.reason_code
    left join auto_resolved
        on identified.exception_id = auto_resolved.exception_id
    left join decisions
        on identified.exception_id = decisions.exception_id

)

select * from final
