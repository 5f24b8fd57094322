with

accounts as (

    select * from {{ ref('bank_accounts') }}

),

source as (

    select * from {{ source('bank', 'bank_entries') }}

),

typed as (

    select
        source._source_file as source_file,
        source._source_row as source_row,
        source._file_sha256 as file_sha256,
        source.bank_account_id,
        accounts.issuing_entity_id,
        source.message_kind,
        source.statement_id,
        source.statement_sequence,
        source.account_id,
        cast(source.booking_date as date) as booking_date,
        cast(source.value_date as date) as value_date,
        cast(source.amount as decimal(38, 5)) as amount,
        source.currency,
        source.credit_debit,
        source.counterparty_name,
        source.counterparty_iban,
        source.remittance_text,
        source.creditor_reference,
        source.end_to_end_id,
        source.bank_reference,
        accounts.bank_account_id is null as is_undeclared_account,
    from source
    left join accounts on source.bank_account_id = accounts.bank_account_id

),

keyed as (

    -- What identifies a booked movement across files: the bank's own reference when it
    -- gives one, else the movement's content. The n-th identical entry of one file is only
    -- ever the same movement as the n-th identical entry of another file, so two genuine
    -- equal payments in one statement stay two payments.
    select
        *,
        md5(concat_ws(
            '|',
            bank_account_id, currency, cast(amount as varchar), cast(value_date as varchar),
            coalesce(
                bank_reference,
                concat_ws(
                    '|', cast(booking_date as varchar), end_to_end_id, creditor_reference,
                    remittance_text, counterparty_iban
                )
            )
        )) as movement_key,
    from typed

),

ranked as (

    select
        *,
        row_number() over (
            partition by source_file, movement_key order by source_row
        ) as occurrence_in_file,
    from keyed

),

resolved as (

    -- The statement (camt.053, MT940) is the authoritative copy; an intraday camt.054
    -- notification of the same movement is its duplicate.
    select
        *,
        first_value(source_file) over same_movement as kept_source_file,
        first_value(source_row) over same_movement as kept_source_row,
    from ranked
    window same_movement as (
        partition by movement_key, occurrence_in_file
        order by case when message_kind = 'camt.054' then 1 else 0 end, source_file, source_row
    )

)

select
    source_file,
    source_row,
    file_sha256,
    bank_account_id,
    issuing_entity_id,
    message_kind,
    statement_id,
    statement_sequence,
    account_id,
    booking_date,
    value_date,
    amount,
    currency,
    credit_debit,
    counterparty_name,
    counterparty_iban,
    remittance_text,
    creditor_reference,
    end_to_end_id,
    bank_reference,
    movement_key,
    (source_file, source_row) <> (kept_source_file, kept_source_row) as is_duplicate,
    case when (source_file, source_row) <> (kept_source_file, kept_source_row) then kept_source_file end
        as duplicate_of_file,
    case
        when is_undeclared_account then 'undeclared_bank_account'
    end as quarantine_reason,
from resolved
