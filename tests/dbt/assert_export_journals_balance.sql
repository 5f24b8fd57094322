-- Every exported journal balances: its debits (the receivable) equal its credits (revenue + tax).
with

journal as (

    select * from {{ ref('int_journal_entries__exportable') }}

)

select
    journal_id,
    sum(debit_minor) as debit_minor,
    sum(credit_minor) as credit_minor,
from journal
group by journal_id
having sum(debit_minor) <> sum(credit_minor)
