-- Bring ledger.allocations in line with the matching result (temp table `proposed_allocations`,
-- a snapshot of intermediate.int_receivables__matched) by appending rows only:
--   1. an active allocation (neither a reversal nor reversed) whose key and amount are no
--      longer proposed is reversed: a row of the opposite amount naming it, dated the day the
--      bank returned the payment if it did, else $recorded_on;
--   2. a proposed allocation without an active row of the same key and amount is appended.
-- Write-offs are finance's, not the matching's: never reversed here.
-- Re-running with the same bank entries and documents appends nothing.
-- Parameters: $recorded_by, $recorded_at, $recorded_on.
create or replace temp table active_allocations as
select allocations.*
from ledger.allocations as allocations
where allocations.reverses_allocation_id is null
    and allocations.allocation_kind <> 'write_off'
    and allocations.allocation_id not in (
        select reverses_allocation_id from ledger.allocations where reverses_allocation_id is not null
    );

insert into ledger.allocations
select
    'ALC-' || lpad(cast((select count(*) from ledger.allocations)
        + row_number() over (order by active.allocation_id) as varchar), 6, '0'),
    active.allocation_key,
    active.allocation_kind,
    active.source_reference,
    active.invoice_number,
    active.issuing_entity_id,
    active.customer_id,
    active.currency_code,
    -active.amount_minor,
    active.match_rule,
    coalesce(credits.return_value_date, $recorded_on),
    active.allocation_id,
    $recorded_by,
    $recorded_at
from active_allocations as active
left join intermediate.int_bank__credit_entries as credits
    on active.allocation_kind = 'payment' and active.source_reference = credits.entry_id
where not exists (
    select 1 from proposed_allocations as proposed
    where proposed.allocation_key = active.allocation_key and proposed.amount_minor = active.amount_minor
);

insert into ledger.allocations
select
    'ALC-' || lpad(cast((select count(*) from ledger.allocations)
        + row_number() over (order by proposed.value_date, proposed.allocation_key) as varchar), 6, '0'),
    proposed.allocation_key,
    proposed.allocation_kind,
    proposed.source_reference,
    proposed.invoice_number,
    proposed.issuing_entity_id,
    proposed.customer_id,
    proposed.currency_code,
    proposed.amount_minor,
    proposed.match_rule,
    proposed.value_date,
    null,
    $recorded_by,
    $recorded_at
from proposed_allocations as proposed
where not exists (
    select 1 from active_allocations as active
    where active.allocation_key = proposed.allocation_key and active.amount_minor = proposed.amount_minor
);
