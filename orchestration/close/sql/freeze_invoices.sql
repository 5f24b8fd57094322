-- The period's draft invoices become numbered documents (`<prefix>-<year>-<NNNNNN>`), with the
-- approval policy's hold reasons (approval_reasons.sql over close_draft_invoices).
insert into ledger.invoices
select
    d.invoice_prefix || '-' || cast($year as varchar) || '-' || lpad(cast(d.sequence_number as varchar), 6, '0'),
    'invoice', $period, d.issuing_entity_id, $year, d.sequence_number, d.invoice_id, d.customer_id,
    d.customer_name, d.country_code, d.language_code, d.currency_code, d.minor_units,
    d.net_amount_minor, d.tax_amount_minor, d.gross_amount_minor,
    cast($issue_date as date), cast($issue_date as date) + d.terms_days,
    null, null, null, null, r.approval_reasons, $closed_by, $issued_at
from close_draft_invoices as d
inner join ({approval_reasons}) as r
    on d.document_key = r.document_key
order by d.issuing_entity_id, d.sequence_number
