{#-
    Reconciliation KPIs per billing period and vendor. Ratios are DECIMAL(18,6), rounded
    half-even; money ratios are computed on integer minor units of the vendor's currency.
    - share_lines_auto_reconciled: billed and expected lines in matched, rounding or
      within_tolerance groups / all lines of the vendor's groups;
    - share_value_auto_reconciled: |billed| of auto-reconciled groups / |billed| of all groups;
    - exceptions_per_invoice: the vendor's exceptions / its distinct billed invoice ids;
    - matched_value_variance: sum |billed - expected| / sum |billed| over groups with both sides;
    - disputed_items: exceptions to dispute (suggested action) or disputed (decision);
    - median_days_to_resolution: lower median of age_days of decided exceptions;
    - share_lines_full_lineage: lines naming their landing file and row / all lines (expected
      colocation lines come from meters and contracts, not one row, so they count as without);
    - run_success_rate: what the warehouse records about runs is the file registry, so it is
      the vendor's current landing files that loaded / all its current files (a rejected file
      is a failed load).
-#}

with

groups as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

lines as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation_lines')) }}

),

exceptions as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}
    where vendor_id is not null

),

files as (

    select * from {{ ref('stg_ingest__files') }}
    where is_current
        and source_kind in ('focus', 'colo')

),

group_kpis as (

    select
        vendor_id,
        min(currency_code) as currency_code,
        count(*) as reconciliation_groups,
        count_if(is_auto_reconciled) as auto_reconciled_groups,
        sum(abs(billed_amount) * 100) as billed_value_cents,
        sum(case when is_auto_reconciled then abs(billed_amount) * 100 else 0 end) as auto_value_cents,
        sum(
            case
                when billed_line_count > 0 and expected_line_count > 0 then abs(variance_amount) * 100 else 0
            end
        )
            as matched_variance_cents,
        sum(
            case
                when billed_line_count > 0 and expected_line_count > 0 then abs(billed_amount) * 100 else 0
            end
        )
            as matched_billed_cents,
        sum(billed_amount) as billed_amount,
        sum(expected_amount) as expected_amount,
        sum(case when variance_amount > 0 and not is_auto_reconciled then variance_amount else 0 end)
            as overbilled_amount,
    from groups
    group by vendor_id

),

line_kpis as (

    select
        vendor_id,
        count(*) as line_count,
        count_if(status in ('matched', 'rounding', 'within_tolerance')) as auto_reconciled_lines,
        count_if(source_file is not null and source_row is not null) as lineage_lines,
        count(distinct case when line_side = 'billed' then invoice_id end) as invoice_count,
    from lines
    group by vendor_id

),

exception_kpis as (

    select
        vendor_id,
        count(*) as exception_count,
        count_if(status = 'open') as open_exceptions,
        count_if(suggested_action = 'dispute' or status = 'disputed') as disputed_items,
        quantile_disc(age_days, 0.5) filter (where status in ('resolved', 'waived', 'disputed'))
            as median_days_to_resolution,
    from exceptions
    group by vendor_id

),

file_kpis as (

    select
        source_id as vendor_id,
        count(*) as file_count,
        count_if(file_status = 'loaded') as loaded_file_count,
    from files
    group by source_id

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(group_kpis.vendor_id as varchar) as vendor_id,
        cast(group_kpis.currency_code as varchar) as currency_code,
        cast(group_kpis.reconciliation_groups as bigint) as reconciliation_groups,
        cast(coalesce(line_kpis.line_count, 0) as bigint) as line_count,
        cast(group_kpis.billed_amount as decimal(18, 2)) as billed_amount,
        cast(group_kpis.expected_amount as decimal(18, 2)) as expected_amount,
        cast(group_kpis.overbilled_amount as decimal(18, 2)) as overbilled_amount,
        {{ ratio('coalesce(line_kpis.auto_reconciled_lines, 0)', 'line_kpis.line_count') }}
            as share_lines_auto_reconciled,
        {{ ratio('group_kpis.auto_value_cents', 'group_kpis.billed_value_cents') }}
            as share_value_auto_reconciled,
        cast(coalesce(exception_kpis.exception_count, 0) as bigint) as exception_count,
        cast(coalesce(exception_kpis.open_exceptions, 0) as bigint) as open_exceptions,
        cast(coalesce(line_kpis.invoice_count, 0) as bigint) as invoice_count,
        {{ ratio('coalesce(exception_kpis.exception_count, 0)', 'line_kpis.invoice_count') }}
            as exceptions_per_invoice,
        {{ ratio('group_kpis.matched_variance_cents', 'group_kpis.matched_billed_cents') }}
            as matched_value_variance,
        cast(coalesce(exception_kpis.disputed_items, 0) as bigint) as disputed_items,
        cast(exception_kpis.median_days_to_resolution as integer) as median_days_to_resolution,
        {{ ratio('coalesce(line_kpis.lineage_lines, 0)', 'line_kpis.line_count') }}
            as share_lines_full_lineage,
        {{ ratio('coalesce(file_kpis.loaded_file_count, 0)', 'file_kpis.file_count') }} as run_success_rate,
    from group_kpis
    left join line_kpis
        on group_kpis.vendor_id = line_kpis.vendor_id
    left join exception_kpis
        on group_kpis.vendor_id = exception_kpis.vendor_id
    left join file_kpis
        on group_kpis.vendor_id = file_kpis.vendor_id

)

select * from final
