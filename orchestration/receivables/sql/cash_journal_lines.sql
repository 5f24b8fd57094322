-- The cash journal's lines not yet journaled, as of $as_of: two lines per money event, signed
-- debit positive, with their accounts from the close's gl_accounts (temp table
-- close_gl_accounts; an account missing leaves its line's account_code null, and the event is
-- held back until it is declared). Events:
--   receipt      a customer credit (declared non-customer money is not the customer ledger's):
--                bank / unapplied cash;
--   return       the bank returned that credit: unapplied cash / bank;
--   application  an allocation of a payment to a document, or its reversal (negative):
--                unapplied cash / receivable;
--   write_off    an approved write-off: write-off expense (per rule) / receivable.
-- Parameters: $as_of, $bank_accounts (path of seeds/receivables/bank_accounts.csv).
with

credits as (

    select * from intermediate.int_bank__credit_entries
    where not is_non_customer

),

allocations as (

    select * from ledger.allocations
    where allocation_kind in ('payment', 'write_off') and value_date <= $as_of

),

bank_accounts as (

    select * from read_csv($bank_accounts, all_varchar = true)

),

events as (

    select
        'receipt' as event_kind,
        1 as event_order,
        entry_id as source_reference,
        value_date as journal_date,
        cast(null as varchar) as invoice_number,
        issuing_entity_id,
        payer_customer_id as customer_id,
        bank_account_id,
        currency_code,
        amount_minor,
        'bank' as debit_role,
        bank_account_id as debit_key,
        'unapplied_cash' as credit_role,
        '*' as credit_key,
    from credits
    where value_date <= $as_of

    union all

    select
        'return' as event_kind,
        2 as event_order,
        return_entry_id as source_reference,
        return_value_date as journal_date,
        cast(null as varchar) as invoice_number,
        issuing_entity_id,
        payer_customer_id as customer_id,
        bank_account_id,
        currency_code,
        amount_minor,
        'unapplied_cash' as debit_role,
        '*' as debit_key,
        'bank' as credit_role,
        bank_account_id as credit_key,
    from credits
    where is_returned and return_value_date <= $as_of

    union all

    -- The bank account is the paying entry's; an allocation without one (none in normal
    -- operation) takes the entity's account in the document's currency.
    select
        'application' as event_kind,
        3 as event_order,
        allocations.allocation_id as source_reference,
        allocations.value_date as journal_date,
        allocations.invoice_number,
        allocations.issuing_entity_id,
        allocations.customer_id,
        coalesce(credits.bank_account_id, (
            select min(bank_accounts.bank_account_id) from bank_accounts
            where bank_accounts.issuing_entity_id = allocations.issuing_entity_id
                and bank_accounts.currency = allocations.currency_code
        )) as bank_account_id,
        allocations.currency_code,
        allocations.amount_minor,
        'unapplied_cash' as debit_role,
        '*' as debit_key,
        'receivable' as credit_role,
        '*' as credit_key,
    from allocations
    left join credits
        on allocations.source_reference = credits.entry_id
    where allocations.allocation_kind = 'payment'

    union all

    select
        'write_off' as event_kind,
        4 as event_order,
        allocation_id as source_reference,
        value_date as journal_date,
        invoice_number,
        issuing_entity_id,
        customer_id,
        cast(null as varchar) as bank_account_id,
        currency_code,
        amount_minor,
        'write_off' as debit_role,
        match_rule as debit_key,
        'receivable' as credit_role,
        '*' as credit_key,
    from allocations
    where allocation_kind = 'write_off'

),

pending as (

    select * from events
    where not exists (
        select 1 from ledger.cash_journal as journaled
        where journaled.event_kind = events.event_kind
            and journaled.source_reference = events.source_reference
    )

),

lines as (

    select
        pending.*,
        1 as journal_line,
        pending.debit_role as account_role,
        pending.debit_key as match_key,
        pending.amount_minor as signed_minor,
    from pending

    union all

    select
        pending.*,
        2 as journal_line,
        pending.credit_role as account_role,
        pending.credit_key as match_key,
        -pending.amount_minor as signed_minor,
    from pending

),

final as (

    select
        lines.event_kind,
        lines.event_order,
        lines.source_reference,
        lines.journal_date,
        lines.journal_line,
        lines.invoice_number,
        lines.issuing_entity_id,
        lines.customer_id,
        lines.bank_account_id,
        lines.currency_code,
        lines.account_role,
        accounts.account_code,
        accounts.account_name,
        greatest(lines.signed_minor, 0) as debit_minor,
        greatest(-lines.signed_minor, 0) as credit_minor,
        -- What an accounting tool records the payment from: the bank, or the write-off account.
        case
            when lines.event_kind = 'application' then bank.account_code
            when lines.event_kind = 'write_off' then write_off.account_code
        end as settlement_account_code,
        lines.event_kind in ('application', 'write_off')
        and (
            case when lines.event_kind = 'application' then bank.account_code else write_off.account_code end
        ) is null as is_settlement_unmapped,
    from lines
    left join close_gl_accounts as accounts
        on lines.issuing_entity_id = accounts.issuing_entity_id
            and lines.account_role = accounts.account_role
            and lines.match_key = accounts.match_key
    left join close_gl_accounts as bank
        on lines.issuing_entity_id = bank.issuing_entity_id
            and bank.account_role = 'bank'
            and lines.bank_account_id = bank.match_key
    left join close_gl_accounts as write_off
        on lines.issuing_entity_id = write_off.issuing_entity_id
            and write_off.account_role = 'write_off'
            and lines.debit_key = write_off.match_key
            and lines.event_kind = 'write_off'

)

select * from final
