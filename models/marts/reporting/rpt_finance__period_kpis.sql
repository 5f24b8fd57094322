{#-
    Billing quality per billing period, one row: invoices drafted, exceptions raised and still
    open, exceptions per invoice, the share of vendor reconciliation groups reconciled without
    a person, vendor disputes, and rows kept out of billing (quarantined or excluded) against
    every raw row loaded. Ratios are DECIMAL(18,6), rounded half-even (macro ratio).
-#}

with

invoices as (

    select * from {{ of_billing_period(ref('fct_invoices')) }}

),

exceptions as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}

),

groups as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

conservation as (

    select * from {{ of_billing_period(ref('rpt_row_conservation')) }}

),

invoice_kpis as (

    select count(*) as invoice_count from invoices

),

exception_kpis as (

    select
        count(*) as exception_count,
        count_if(status = 'open') as open_exception_count,
        count_if(suggested_action = 'dispute' or status = 'disputed') as disputed_items,
    from exceptions

),

group_kpis as (

    select
        count(*) as reconciliation_groups,
        count_if(is_auto_reconciled) as auto_reconciled_groups,
    from groups

),

row_kpis as (

    select
        coalesce(sum(raw_rows), 0) as raw_rows,
        coalesce(sum(quarantined_rows + excluded_rows), 0) as rows_kept_out,
    from conservation

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(invoice_kpis.invoice_count as bigint) as invoice_count,
        cast(exception_kpis.exception_count as bigint) as exception_count,
        cast(exception_kpis.open_exception_count as bigint) as open_exception_count,
        {{ ratio('exception_kpis.exception_count', 'nullif(invoice_kpis.invoice_count, 0)') }}
            as exceptions_per_invoice,
        cast(group_kpis.reconciliation_groups as bigint) as reconciliation_groups,
        {{ ratio('group_kpis.auto_reconciled_groups', 'nullif(group_kpis.reconciliation_groups, 0)') }}
            as share_groups_auto_reconciled,
        cast(exception_kpis.disputed_items as bigint) as disputed_items,
        cast(row_kpis.raw_rows as bigint) as raw_rows,
        cast(row_kpis.rows_kept_out as bigint) as rows_kept_out,
        {{ ratio('row_kpis.rows_kept_out', 'nullif(row_kpis.raw_rows, 0)') }} as share_rows_kept_out
    from invoice_kpis
    cross join exception_kpis
    cross join group_kpis
    cross join row_kpis

)

select * from final
