-- The lines of one adjustment note: a customer's differences of one sign (debit or credit),
-- as note lines (the columns of ledger.invoice_lines after its number and line number).
select draft_invoice_line_id, 'adjustment', sku_id, price_list_id, price_list_version,
    pricing_unit, base_unit, base_units_per_pricing_unit, quantity_base_delta,
    quantity_delta, unit_price, net_delta, tax_rate, tax_delta, tax_rule_id,
    tax_treatment, legal_mention_code, is_estimated, usage_line_count,
    original_invoice_line_id, cast($reason as varchar), price_currency_code, fx_rate, fx_rate_date
from close_adjustment_lines
where customer_id = $customer_id and (net_delta + tax_delta >= 0) = $is_debit
