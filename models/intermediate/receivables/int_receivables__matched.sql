-- Bank credits and credit notes matched to the documents they pay, one row per allocation
-- proposed. Recomputed from every bank entry and every issued document on each run, so the
-- result is a function of the inputs; orchestration/receivables/allocations.py appends what
-- changed to the ledger (new allocations, reversals of the ones no longer proposed).
--
-- Rules, in order; an entry is matched by the first rule that finds a document:
--   1. structured_reference: its creditor reference is a document's payment reference (same entity);
--   2. invoice_number_in_text: document numbers found in its remittance text (several = one
--      transfer for several documents);
--   3. amount_and_customer: its payer (IBAN, else name, in seeds/receivables/bank_counterparties.csv)
--      owes one open document of exactly that amount, issued before the payment and due no
--      more than the currency's window before it.
-- Money is split in two set-based passes: each entry across its documents (oldest due first)
-- up to what each document was owed before any payment, then each document across its entries
-- (earliest value date first) up to that same amount. An entry never gives more than it has
-- and a document never takes more than it is owed; what is left is the entry's unapplied cash.
with

credits as (

    select * from {{ ref('int_bank__credit_entries') }}

),

documents as (

    select * from {{ ref('stg_ledger__receivable_documents') }}

),

policy as (

    select * from {{ ref('receivables_policy') }}

),

recorded_allocations as (

    select * from {{ ref('stg_ledger__allocations') }}

),

credit_notes as (

    select * from documents
    where document_type = 'credit_note' and original_invoice_number is not null

),

payable as (

    select * from documents
    where document_type in ('invoice', 'debit_note')

),

credit_note_allocations as (

    -- Credit notes reduce what their original document is owed, in issue order.
    select
        'credit_note' as allocation_kind,
        credit_notes.invoice_number as source_reference,
        payable.invoice_number,
        'credit_note_original' as match_rule,
        credit_notes.issue_date as value_date,
        least(
            -credit_notes.gross_amount_minor,
            greatest(
                payable.gross_amount_minor - coalesce(sum(-credit_notes.gross_amount_minor) over (
                    partition by payable.invoice_number
                    order by credit_notes.issue_date, credit_notes.invoice_number
                    rows between unbounded preceding and 1 preceding
                ), 0),
                0
            )
        ) as amount_minor,
    from credit_notes
    inner join payable
        on credit_notes.original_invoice_number = payable.invoice_number

),

written_off as (

    -- Write-offs finance approved (meterline write-off): recorded in the ledger, never
    -- proposed by this model, and no payment may take what they forgave.
    select
        invoice_number,
        sum(amount_minor) as written_off_minor,
    from recorded_allocations
    where allocation_kind = 'write_off'
    group by invoice_number

),

owed as (

    -- What each document is owed before any payment: its gross less its credit notes and
    -- approved write-offs.
    select
        payable.*,
        payable.gross_amount_minor - coalesce((
            select sum(credit_note_allocations.amount_minor) from credit_note_allocations
            where credit_note_allocations.invoice_number = payable.invoice_number
        ), 0) - coalesce(written_off.written_off_minor, 0) as owed_minor,
    from payable
    left join written_off
        on payable.invoice_number = written_off.invoice_number

),

by_reference as (

    select
        credits.entry_id,
        owed.invoice_number,
        'structured_reference' as match_rule,
        1 as rule_rank,
    from credits
    inner join owed
        on credits.structured_reference = owed.payment_reference
            and credits.issuing_entity_id = owed.issuing_entity_id

),

by_text as (

    select distinct
        mentioned.entry_id,
        owed.invoice_number,
        'invoice_number_in_text' as match_rule,
        2 as rule_rank,
    from (
        select
            entry_id,
            issuing_entity_id,
            {{ list_rows("regexp_extract_all(upper(remittance_text), '[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{6}')") }}
                as invoice_number,
        from credits
    ) as mentioned
    inner join owed
        on mentioned.invoice_number = owed.invoice_number
            and mentioned.issuing_entity_id = owed.issuing_entity_id

),

by_amount as (

    select
        entry_id,
        invoice_number,
        'amount_and_customer' as match_rule,
        3 as rule_rank,
    from (
        select
            credits.entry_id,
            owed.invoice_number,
            row_number() over (
                partition by credits.entry_id order by owed.due_date, owed.invoice_number
            ) as preference,
        from credits
        inner join owed
            on credits.payer_customer_id = owed.customer_id
                and credits.issuing_entity_id = owed.issuing_entity_id
                and credits.currency_code = owed.currency_code
                and credits.amount_minor = owed.owed_minor
        inner join policy
            on owed.currency_code = policy.currency_code
        where credits.value_date >= owed.issue_date
            and credits.value_date <= owed.due_date + cast(policy.amount_match_window_days as integer)
    ) as ranked
    where preference = 1

),

candidates as (

    select * from by_reference
    union all
    select * from by_text
    union all
    select * from by_amount

),

chosen as (

    -- The first rule that found a document decides; returned and non-customer entries pay nothing.
    select candidates.*
    from candidates
    inner join credits
        on candidates.entry_id = credits.entry_id
    where candidates.rule_rank = (
            select min(other.rule_rank) from candidates as other
            where other.entry_id = candidates.entry_id
        )
        and not credits.is_returned
        and not credits.is_non_customer

),

offered as (

    select
        chosen.entry_id,
        chosen.invoice_number,
        chosen.match_rule,
        credits.value_date,
        owed.owed_minor,
        least(
            owed.owed_minor,
            greatest(
                credits.amount_minor - coalesce(sum(owed.owed_minor) over (
                    partition by chosen.entry_id
                    order by owed.due_date, owed.invoice_number
                    rows between unbounded preceding and 1 preceding
                ), 0),
                0
            )
        ) as offered_minor,
    from chosen
    inner join credits
        on chosen.entry_id = credits.entry_id
    inner join owed
        on chosen.invoice_number = owed.invoice_number
    -- A payment in another currency than the document's is never applied to it.
    where credits.currency_code = owed.currency_code

),

payment_allocations as (

    select
        'payment' as allocation_kind,
        entry_id as source_reference,
        invoice_number,
        match_rule,
        value_date,
        least(
            offered_minor,
            greatest(
                owed_minor - coalesce(sum(offered_minor) over (
                    partition by invoice_number
                    order by value_date, entry_id
                    rows between unbounded preceding and 1 preceding
                ), 0),
                0
            )
        ) as amount_minor,
    from offered

),

allocations as (

    select * from credit_note_allocations
    union all
    select * from payment_allocations

)

select
    allocations.allocation_kind || ':' || allocations.source_reference || ':' || allocations.invoice_number
        as allocation_key,
    allocations.allocation_kind,
    allocations.source_reference,
    allocations.invoice_number,
    payable.issuing_entity_id,
    payable.customer_id,
    payable.currency_code,
    cast(allocations.amount_minor as bigint) as amount_minor,
    allocations.match_rule,
    allocations.value_date,
from allocations
inner join payable
    on allocations.invoice_number = payable.invoice_number
where allocations.amount_minor > 0
