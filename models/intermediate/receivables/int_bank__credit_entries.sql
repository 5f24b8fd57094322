-- Every money-in entry of the bank accounts once (a copy of the same movement in another
-- file is not a second payment, a quarantined entry is not money), with the identity the
-- matching and the ledger know it by, its amount in minor units, its payer as declared in
-- seeds/receivables/bank_counterparties.csv and whether the bank returned it.
with

entries as (

    select * from {{ ref('stg_bank__entries') }}

),

counterparties as (

    select * from {{ ref('bank_counterparties') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

booked as (

    -- The n-th identical movement of a file keeps the same identity in whichever file
    -- carries it, so a statement dropped again (or renamed) yields the same entry ids.
    select
        entries.*,
        entries.movement_key || ':' || row_number() over (
            partition by entries.source_file, entries.movement_key
            order by entries.source_row
        ) as entry_id,
        cast(entries.amount * cast(10 ** currencies.minor_units as bigint) as bigint) as amount_minor,
    from entries
    inner join currencies
        on entries.currency = currencies.currency_code
    where not entries.is_duplicate
        and entries.quarantine_reason is null

),

returns as (

    -- A debit carrying the end-to-end id of an earlier credit of the same amount on the same
    -- account returns that payment.
    select
        credits.entry_id as returned_entry_id,
        min(debits.entry_id) as return_entry_id,
        min(debits.value_date) as return_value_date,
    from booked as credits
    inner join booked as debits
        on credits.bank_account_id = debits.bank_account_id
            and credits.end_to_end_id = debits.end_to_end_id
            and credits.amount_minor = -debits.amount_minor
            and credits.value_date <= debits.value_date
    where credits.amount_minor > 0
        and coalesce(credits.end_to_end_id, 'NOTPROVIDED') <> 'NOTPROVIDED'
    group by credits.entry_id

),

final as (

    select
        booked.entry_id,
        booked.source_file,
        booked.source_row,
        booked.bank_account_id,
        booked.issuing_entity_id,
        booked.booking_date,
        booked.value_date,
        booked.currency as currency_code,
        booked.amount_minor,
        booked.counterparty_name,
        booked.counterparty_iban,
        booked.remittance_text,
        booked.creditor_reference,
        ledger.normalized_reference(booked.creditor_reference) as structured_reference,
        booked.end_to_end_id,
        coalesce(nullif(by_iban.customer_id, ''), nullif(by_name.customer_id, '')) as payer_customer_id,
        coalesce(by_iban.counterparty_iban, by_name.counterparty_name) is not null
        and coalesce(by_iban.customer_id, by_name.customer_id, '') = '' as is_non_customer,
        returns.return_entry_id,
        returns.return_value_date,
        returns.return_entry_id is not null as is_returned,
    from booked
    left join counterparties as by_iban
        on booked.counterparty_iban = by_iban.counterparty_iban
    left join counterparties as by_name
        on coalesce(by_name.counterparty_iban, '') = ''
            and lower(trim(booked.counterparty_name)) = by_name.counterparty_name
    left join returns
        on booked.entry_id = returns.returned_entry_id
    where booked.amount_minor > 0

)

select * from final
