with

statements as (

    select * from {{ source('bank', 'bank_statements') }}

),

entries as (

    select * from {{ source('bank', 'bank_entries') }}

),

booked as (

    -- Every entry of the statement counts, duplicates of other files included: the
    -- statement's own arithmetic is checked, not what is payment.
    select
        _source_file as source_file,
        statement_index,
        sum(cast(amount as decimal(38, 5))) as entries_total,
    from entries
    group by _source_file, statement_index

),

checked as (

    select
        statements._source_file as source_file,
        statements.bank_account_id,
        statements.statement_id,
        statements.statement_sequence,
        cast(statements.statement_index as integer) as statement_index,
        statements.currency,
        cast(statements.opening_balance as decimal(38, 5)) as opening_balance,
        coalesce(booked.entries_total, 0) as entries_total,
        cast(statements.closing_balance as decimal(38, 5)) as closing_balance,
    from statements
    left join booked
        on statements._source_file = booked.source_file
            and statements.statement_index = booked.statement_index

)

select
    *,
    closing_balance - (opening_balance + entries_total) as difference,
    'statement_does_not_balance' as reason_code,
from checked
where opening_balance + entries_total <> closing_balance
