-- The differences between the re-rated closed period `$period` (the marts rebuilt for it) and
-- what is billed so far (its frozen invoice lines plus earlier adjustments), per draft line.
create or replace temp table close_adjustment_lines as
with billed as (
    select
        l.draft_invoice_line_id,
        min(i.customer_id) as customer_id,
        min(case when i.document_type = 'invoice' and i.original_invoice_number is null
            then i.invoice_number end) as original_invoice_number,
        min(case when i.document_type = 'invoice' and i.original_invoice_number is null
            then l.invoice_line_id end) as original_invoice_line_id,
        sum(l.quantity_base) as quantity_base,
        sum(l.quantity) as quantity,
        sum(l.net_amount_minor) as net_amount_minor,
        sum(l.tax_amount_minor) as tax_amount_minor
    from ledger.invoice_lines as l
    inner join ledger.invoices as i on l.invoice_number = i.invoice_number
    where (i.billing_period = $period and i.document_type = 'invoice' and i.original_invoice_number is null)
        or l.invoice_line_id in (
            select note_invoice_line_id from ledger.adjustments where source_period = $period
        )
    group by l.draft_invoice_line_id
),
live as (select * from marts.fct_invoice_lines where billing_period = $period),
originals as (
    select customer_id, min(invoice_number) as invoice_number from ledger.invoices
    where billing_period = $period and document_type = 'invoice' and original_invoice_number is null
    group by customer_id
)
select
    coalesce(live.invoice_line_id, billed.draft_invoice_line_id) as draft_invoice_line_id,
    coalesce(live.customer_id, billed.customer_id) as customer_id,
    coalesce(billed.original_invoice_number, originals.invoice_number) as original_invoice_number,
    billed.original_invoice_line_id,
    coalesce(live.quantity_base, 0) - coalesce(billed.quantity_base, 0) as quantity_base_delta,
    coalesce(live.quantity, 0) - coalesce(billed.quantity, 0) as quantity_delta,
    coalesce(live.net_amount_minor, 0) - coalesce(billed.net_amount_minor, 0) as net_delta,
    coalesce(live.tax_amount_minor, 0) - coalesce(billed.tax_amount_minor, 0) as tax_delta,
    frozen.line_type, coalesce(live.sku_id, frozen.sku_id) as sku_id,
    coalesce(live.price_list_id, frozen.price_list_id) as price_list_id,
    coalesce(live.price_list_version, frozen.price_list_version) as price_list_version,
    coalesce(live.pricing_unit, frozen.pricing_unit) as pricing_unit,
    coalesce(live.base_unit, frozen.base_unit) as base_unit,
    coalesce(live.base_units_per_pricing_unit, frozen.base_units_per_pricing_unit)
        as base_units_per_pricing_unit,
    coalesce(live.unit_price, frozen.unit_price) as unit_price,
    coalesce(live.tax_rate, frozen.tax_rate) as tax_rate,
    coalesce(live.tax_rule_id, frozen.tax_rule_id) as tax_rule_id,
    coalesce(live.tax_treatment, frozen.tax_treatment) as tax_treatment,
    coalesce(live.legal_mention_code, frozen.legal_mention_code) as legal_mention_code,
    coalesce(live.usage_line_count, 0) as usage_line_count,
    -- a note still carrying estimated usage (the re-rated line's estimate) says so
    coalesce(live.is_estimated, false) as is_estimated,
    coalesce(live.currency_code, frozen_doc.currency_code) as currency_code,
    coalesce(live.price_currency_code, frozen.price_currency_code) as price_currency_code,
    coalesce(live.fx_rate, frozen.fx_rate) as fx_rate,
    coalesce(live.fx_rate_date, frozen.fx_rate_date) as fx_rate_date,
from live
full outer join billed on live.invoice_line_id = billed.draft_invoice_line_id
left join ledger.invoice_lines as frozen on billed.original_invoice_line_id = frozen.invoice_line_id
left join ledger.invoices as frozen_doc on frozen.invoice_number = frozen_doc.invoice_number
left join originals on coalesce(live.customer_id, billed.customer_id) = originals.customer_id
where coalesce(live.net_amount_minor, 0) <> coalesce(billed.net_amount_minor, 0)
    or coalesce(live.tax_amount_minor, 0) <> coalesce(billed.tax_amount_minor, 0)
