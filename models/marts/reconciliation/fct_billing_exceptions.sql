{#-
    Every exception of the billing period, one row each, with its reason code's severity,
    blocking flag and suggested action (seeds/reconciliation/reason_codes.csv):
    one intermediate model per family (models/intermediate/exceptions/, each unit-tested), in
    the common exception columns, unioned here:
    - row level (int_exceptions__source_rows): duplicate_usage, requeued_attempt,
      late_usage, double_billed and invalid_value, for rows of files delivered for this
      period (and every invalid row of the current reference files);
    - rating (int_usage__rated): unattributed_usage per usage row (per machine for energy),
      valued at the declared list price, in int_exceptions__unattributed_usage; price_missing,
      fx_rate_missing and estimate_not_allowed per customer, SKU and subject in
      int_exceptions__unrated_usage; fx_rate_missing per fee or commitment without its
      conversion rate in int_exceptions__unconverted_charges;
    - energy: meter_reset and meter_gap between two readings in int_exceptions__meter_events,
      meter_gap at the period's edges in int_exceptions__meter_edge_gaps, and the
      conflicting_duplicate and implausible_reading families;
    - vendor: every fct_vendor_reconciliation line that is not matched in
      int_exceptions__vendor_reconciliation (double billing is reported per duplicate line above);
    - anomalies: cost_anomaly per flagged fct_cost_anomalies day in int_exceptions__cost_anomalies;
    - ingest: layout_rejected per current rejected landing file in int_exceptions__rejected_files;
    - step_only_job, receivables, and tax_profile_missing / tax_rule_missing per customer whose
      priced lines are not drafted for want of a decided tax rule, with their net at risk.
    Here each exception gets its stable id, its reason code's severity, blocking flag and
    suggested action, its amount at risk rounded half-even to the currency's minor units, and
    its status.
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

auto_rules as (

    select * from {{ ref('auto_resolution_rules') }}

),

decisions as (

    select * from {{ ref('int_exceptions__decisions') }}

),

exceptions as (

    select * from {{ ref('int_exceptions__source_rows') }}
    union all
    select * from {{ ref('int_exceptions__unattributed_usage') }}
    union all
    select * from {{ ref('int_exceptions__unrated_usage') }}
    union all
    select * from {{ ref('int_exceptions__unconverted_charges') }}
    union all
    select * from {{ ref('int_exceptions__meter_events') }}
    union all
    select * from {{ ref('int_exceptions__vendor_reconciliation') }}
    union all
    select * from {{ ref('int_exceptions__cost_anomalies') }}
    union all
    select * from {{ ref('int_exceptions__rejected_files') }}
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
