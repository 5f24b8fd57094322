-- One ledger.adjustments row per line of the adjustment note `$number`, linking it to the
-- closed line it corrects, the reason and who raised it.
insert into ledger.adjustments
select
    $number || ':' || l.line_number, $source_period, $target_period, $customer_id, $original,
    l.original_invoice_line_id, l.draft_invoice_line_id, $reason, $why, l.quantity_base,
    l.net_amount_minor, l.tax_amount_minor, $number, l.invoice_line_id, $created_by, $created_at
from ledger.invoice_lines as l where l.invoice_number = $number
