with

invoices as (

    select * from {{ source('ledger', 'invoices') }}

),

payment_references as (

    select * from {{ source('ledger', 'payment_references') }}

),

renamed as (

    select
        invoices.invoice_number,
        invoices.document_type,
        invoices.billing_period,
        invoices.issuing_entity_id,
        invoices.customer_id,
        invoices.customer_name,
        invoices.currency_code,
        cast(invoices.minor_units as integer) as minor_units,
        cast(invoices.gross_amount_minor as bigint) as gross_amount_minor,
        cast(invoices.issue_date as date) as issue_date,
        cast(invoices.due_date as date) as due_date,
        invoices.original_invoice_number,
        invoices.related_invoice_number,
        payment_references.scheme as payment_reference_scheme,
        payment_references.payment_reference,
    from invoices
    left join payment_references
        on invoices.invoice_number = payment_references.invoice_number

)

select * from renamed
