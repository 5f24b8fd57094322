{{ config(materialized='view') }}

{#-
    Invoicing quality per billing period, one row per period with issued invoices, read from
    the ledger as it stands: approvals and corrections happen after the period's run, so this
    mart is a view (every period, always current) where the other marts are the run's rows.
    - invoice_count: the period's invoices as first issued (a void's replacement is a
      correction, not a new invoice);
    - auto_approved_count / share_auto_approved: those issued without a hold reason
      (int_documents__approval_states), the auto-approval rate;
    - approved_count, held_count: held at issue, then approved by a person / still held;
    - corrected_invoice_count: invoices a later credit note, debit note or void names as the
      invoice it corrects;
    - batch_accuracy: the share of the period's invoices nothing has corrected (so far: a
      correction filed later lowers it).
    Ratios are DECIMAL(18,6), rounded half-even (macro ratio).
-#}

with

documents as (

    select * from {{ ref('stg_ledger__invoices') }}

),

approval_states as (

    select * from {{ ref('int_documents__approval_states') }}

),

first_issues as (

    select
        documents.invoice_number,
        documents.billing_period,
        approval_states.approval_status,
    from documents
    inner join approval_states
        on documents.invoice_number = approval_states.invoice_number
    where documents.document_type = 'invoice'
        and documents.original_invoice_number is null

),

corrected as (

    select distinct original_invoice_number as invoice_number
    from documents
    where original_invoice_number is not null

),

per_period as (

    select
        first_issues.billing_period,
        count(*) as invoice_count,
        count_if(first_issues.approval_status = 'auto_approved') as auto_approved_count,
        count_if(first_issues.approval_status = 'approved') as approved_count,
        count_if(first_issues.approval_status = 'held') as held_count,
        count(corrected.invoice_number) as corrected_invoice_count,
    from first_issues
    left join corrected
        on first_issues.invoice_number = corrected.invoice_number
    group by first_issues.billing_period

),

final as (

    select
        cast(billing_period as varchar) as billing_period,
        cast(invoice_count as bigint) as invoice_count,
        cast(auto_approved_count as bigint) as auto_approved_count,
        cast(approved_count as bigint) as approved_count,
        cast(held_count as bigint) as held_count,
        {{ ratio('auto_approved_count', 'nullif(invoice_count, 0)') }} as share_auto_approved,
        cast(corrected_invoice_count as bigint) as corrected_invoice_count,
        {{ ratio('invoice_count - corrected_invoice_count', 'nullif(invoice_count, 0)') }}
            as batch_accuracy,
    from per_period

)

select * from final
