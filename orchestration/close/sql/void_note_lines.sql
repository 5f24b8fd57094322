-- The lines of a void's credit note or of its replacement: the voided invoice's lines, the
-- quantities and amounts negated for the credit note (the sign placeholder is '-' or '').
select draft_invoice_line_id, line_type, sku_id, price_list_id, price_list_version, pricing_unit,
    base_unit, base_units_per_pricing_unit, {sign}quantity_base, {sign}quantity, unit_price,
    {sign}net_amount_minor, tax_rate, {sign}tax_amount_minor, tax_rule_id, tax_treatment,
    legal_mention_code, is_estimated, usage_line_count, invoice_line_id, 'void_reissue',
    price_currency_code, fx_rate, fx_rate_date
from ledger.invoice_lines where invoice_number = $invoice_number
