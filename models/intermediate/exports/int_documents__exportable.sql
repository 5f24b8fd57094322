-- The approved documents of every closed period as the finance exports show them: the frozen
-- document, its issuer, the accounting organisation that imports it and its title in the
-- customer's language. Read live from the ledger, so an approval shows without a rebuild.
with

documents as (

    select * from {{ ref('stg_ledger__invoices') }}

),

approval_states as (

    select * from {{ ref('int_documents__approval_states') }}

),

closes as (

    select * from {{ ref('stg_ledger__closes') }}

),

issuing_entities as (

    select * from {{ ref('issuing_entities') }}

),

accounting_orgs as (

    select * from {{ ref('accounting_orgs') }}

),

invoice_texts as (

    select * from {{ ref('invoice_texts') }}

),

final as (

    select
        documents.*,
        approval_states.approval_status,
        issuing_entities.legal_name as issuer_legal_name,
        issuing_entities.vat_number as issuer_vat_number,
        accounting_orgs.accounting_org_id,
        accounting_orgs.accounting_system,
        accounting_orgs.date_format,
        accounting_orgs.default_terms,
        {{ invoice_text(
            'invoice_texts', "'document.' || documents.document_type", 'documents.language_code'
        ) }}
            as document_title,
        coalesce(
            (
                select max(closes.content_sha256) from closes
                where closes.billing_period = documents.billing_period
            ),
            ''
        ) as close_content_sha256,
    from documents
    inner join approval_states
        on documents.invoice_number = approval_states.invoice_number
    inner join issuing_entities
        on documents.issuing_entity_id = issuing_entities.issuing_entity_id
    inner join accounting_orgs
        on issuing_entities.accounting_org_id = accounting_orgs.accounting_org_id
    where approval_states.approval_status <> 'held'

)

select * from final
