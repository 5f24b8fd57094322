with

source as (

    select * from {{ source('ledger', 'invoices') }}

),

renamed as (

    select
        invoice_number,
        document_type,
        billing_period,
        issuing_entity_id,
        series_year,
        sequence_number,
        draft_invoice_id,
        customer_id,
        customer_name,
        country_code,
        language_code,
        currency_code,
        minor_units,
        net_amount_minor,
        tax_amount_minor,
        gross_amount_minor,
        issue_date,
        due_date,
        original_invoice_number,
        related_invoice_number,
        reason_code,
        reason_text,
        approval_reasons,
        issued_by,
        issued_at,
    from source

)

select * from renamed
