-- The draft lines of the period's new documents, numbered within each document.
insert into ledger.invoice_lines
select
    i.invoice_number || ':' || lpad(cast(row_number() over w as varchar), 4, '0'),
    i.invoice_number,
    cast(row_number() over w as integer),
    l.invoice_line_id, l.line_type, l.sku_id, l.price_list_id, l.price_list_version,
    l.pricing_unit, l.base_unit, l.base_units_per_pricing_unit, l.quantity_base, l.quantity,
    l.unit_price, l.net_amount_minor, l.tax_rate, l.tax_amount_minor, l.tax_rule_id,
    l.tax_treatment, l.legal_mention_code, l.is_estimated, l.usage_line_count, null, null,
    l.price_currency_code, l.fx_rate, l.fx_rate_date
from close_draft_lines as l
inner join ledger.invoices as i
    on i.draft_invoice_id = l.invoice_id and i.document_type = 'invoice' and i.billing_period = $period
window w as (partition by i.invoice_number order by l.invoice_line_id)
