-- Append the pending events of temp table `cash_lines` (sql/cash_journal_lines.sql) whose every
-- account is declared, numbered after the journals already recorded in date, kind and source
-- order, under batch $batch_id. Parameters: $batch_id, $recorded_by, $recorded_at.
insert into ledger.cash_journal
select
    'CJ-' || lpad(cast((select count(distinct journal_id) from ledger.cash_journal)
        + dense_rank() over (order by lines.journal_date, lines.event_order, lines.source_reference)
        as varchar), 6, '0'),
    lines.journal_line,
    $batch_id,
    lines.journal_date,
    lines.event_kind,
    lines.source_reference,
    lines.invoice_number,
    lines.issuing_entity_id,
    lines.customer_id,
    lines.bank_account_id,
    lines.currency_code,
    lines.account_role,
    lines.account_code,
    lines.account_name,
    lines.debit_minor,
    lines.credit_minor,
    lines.settlement_account_code,
    $recorded_by,
    $recorded_at
from cash_lines as lines
where not exists (
    select 1 from cash_lines as unmapped
    where unmapped.event_kind = lines.event_kind
        and unmapped.source_reference = lines.source_reference
        and (unmapped.account_code is null or unmapped.is_settlement_unmapped)
)
