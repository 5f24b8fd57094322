-- invoices.{parquet,json}: one row per exported document, amounts in minor units and as DECIMAL.
select invoice_number, document_type, document_title, billing_period, issuing_entity_id,
    issuer_legal_name, issuer_vat_number, draft_invoice_id, customer_id, customer_name, country_code,
    language_code, currency_code, minor_units, net_amount_minor, tax_amount_minor, gross_amount_minor,
    amount_decimal(net_amount_minor, minor_units) as net_amount,
    amount_decimal(tax_amount_minor, minor_units) as tax_amount,
    amount_decimal(gross_amount_minor, minor_units) as gross_amount,
    issue_date, due_date, original_invoice_number, related_invoice_number, reason_code, reason_text,
    approval_status, approval_reasons, close_content_sha256
from export_documents order by invoice_number
