-- Append one approved write-off of a document's open amount to ledger.allocations, numbered
-- after the rows already there; entity, customer and currency are the document's. Parameters:
-- $allocation_key, $invoice_number, $amount_minor, $match_rule, $value_date, $recorded_by,
-- $recorded_at.
insert into ledger.allocations
select
    'ALC-' || lpad(cast((select count(*) from ledger.allocations) + 1 as varchar), 6, '0'),
    $allocation_key,
    'write_off',
    $allocation_key,
    documents.invoice_number,
    documents.issuing_entity_id,
    documents.customer_id,
    documents.currency_code,
    $amount_minor,
    $match_rule,
    $value_date,
    null,
    $recorded_by,
    $recorded_at
from ledger.invoices as documents
where documents.invoice_number = $invoice_number
