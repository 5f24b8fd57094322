-- Append one opening or resolution of a dispute to ledger.disputes, numbered after the rows
-- already there. Parameters: $invoice_number, $action, $effective_date, $reason, $recorded_by,
-- $recorded_at.
insert into ledger.disputes
select
    'DSP-' || lpad(cast((select count(*) from ledger.disputes) + 1 as varchar), 6, '0'),
    $invoice_number,
    $action,
    $effective_date,
    $reason,
    $recorded_by,
    $recorded_at
