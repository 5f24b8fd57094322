-- Every bank credit entry (duplicates of another file and quarantined entries aside) in
-- exactly one state: applied, partly_applied (the rest is the customer's unapplied cash),
-- unapplied (with the reason it could not be applied), non_customer (declared money that is
-- not a customer's payment) or returned (the bank sent it back; what it paid is reopened).
with

matched as (

    select * from {{ ref('int_receivables__matched') }}

),

credits as (

    select * from {{ ref('int_bank__credit_entries') }}

),

documents as (

    select * from {{ ref('stg_ledger__receivable_documents') }}

),

applied as (

    select
        source_reference as entry_id,
        sum(amount_minor) as applied_minor,
        min(match_rule) as match_rule,
    from matched
    where allocation_kind = 'payment'
    group by source_reference

),

mentioned as (

    -- What the entry pointed at, to say why nothing of it could be applied.
    select
        credits.entry_id,
        bool_or(documents.invoice_number is not null) as names_a_document,
        bool_or(documents.currency_code <> credits.currency_code) as names_another_currency,
    from credits
    left join documents
        on documents.document_type in ('invoice', 'debit_note')
            and credits.issuing_entity_id = documents.issuing_entity_id
            and (
                credits.structured_reference = documents.payment_reference
                or contains(upper(coalesce(credits.remittance_text, '')), documents.invoice_number)
            )
    group by credits.entry_id

),

outcomes as (

    select
        credits.entry_id,
        credits.source_file,
        credits.source_row,
        credits.bank_account_id,
        credits.issuing_entity_id,
        credits.booking_date,
        credits.value_date,
        credits.currency_code,
        credits.amount_minor,
        credits.counterparty_name,
        credits.counterparty_iban,
        credits.creditor_reference,
        credits.remittance_text,
        credits.payer_customer_id,
        coalesce(applied.applied_minor, 0) as applied_minor,
        credits.amount_minor - coalesce(applied.applied_minor, 0) as unapplied_minor,
        applied.match_rule,
        case
            when credits.is_returned then 'returned'
            when credits.is_non_customer then 'non_customer'
            when coalesce(applied.applied_minor, 0) = credits.amount_minor then 'applied'
            when coalesce(applied.applied_minor, 0) > 0 then 'partly_applied'
            else 'unapplied'
        end as entry_state,
        coalesce(mentioned.names_a_document, false) as names_a_document,
        coalesce(mentioned.names_another_currency, false) as names_another_currency,
        credits.structured_reference is not null
        and not ledger.payment_reference_is_valid('rf', credits.structured_reference)
        and not ledger.payment_reference_is_valid('kid', credits.structured_reference)
        and not ledger.payment_reference_is_valid('fi', credits.structured_reference)
            as has_invalid_reference,
    from credits
    left join applied
        on credits.entry_id = applied.entry_id
    left join mentioned
        on credits.entry_id = mentioned.entry_id

)

select
    *,
    case
        when entry_state = 'partly_applied' then 'payment_overpaid'
        when entry_state <> 'unapplied' then null
        when names_another_currency then 'payment_currency_mismatch'
        when names_a_document then 'payment_document_already_paid'
        when has_invalid_reference then 'payment_reference_invalid'
        else 'payment_unidentified'
    end as reason_code,
from outcomes
