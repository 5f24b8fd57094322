-- Each issued document with its approval state: auto_approved (no hold reason at issue),
-- approved (held, then approved) or held. Held documents keep their number but are not exported.
with

documents as (

    select * from {{ ref('stg_ledger__invoices') }}

),

approvals as (

    select * from {{ ref('stg_ledger__approvals') }}

),

final as (

    select
        documents.invoice_number,
        documents.billing_period,
        documents.approval_reasons,
        case
            when documents.approval_reasons = '' then 'auto_approved'
            when exists (
                    select 1 from approvals
                    where approvals.invoice_number = documents.invoice_number
                ) then 'approved'
            else 'held'
        end as approval_status,
    from documents

)

select * from final
