-- invoice_lines.{parquet,json}: one row per exported line, amounts in minor units and as DECIMAL.
select invoice_line_id, invoice_number, line_number, draft_invoice_line_id, line_type, sku_id,
    description, legal_mention_code, legal_mention, price_list_id, price_list_version, pricing_unit,
    base_unit, base_units_per_pricing_unit, quantity_base, quantity, unit_price, currency_code,
    minor_units, net_amount_minor, tax_amount_minor,
    amount_decimal(net_amount_minor, minor_units) as net_amount,
    amount_decimal(tax_amount_minor, minor_units) as tax_amount,
    amount_decimal(net_amount_minor + tax_amount_minor, minor_units) as gross_amount,
    tax_rate, tax_rule_id, tax_treatment, is_estimated, usage_line_count, original_invoice_line_id,
    adjustment_reason_code, revenue_account_code, price_currency_code, fx_rate, fx_rate_date, invoice_unit_price
from export_lines order by invoice_line_id
