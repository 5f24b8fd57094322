{#-
    Receivables as of a date (MET_AS_OF_DATE, default the day after the billing period):
    one row per invoice or debit note issued on or before it and sent (a document held for
    approval was never sent: it joins once approved), with what its credit notes, the
    payments (reversals included) and the write-offs finance approved had applied by then,
    what is still open, whether the customer disputes it, and its status. Amounts from
    integer minor units; no rounding happens here.
-#}

with

documents as (

    select * from {{ ref('stg_ledger__receivable_documents') }}

),

approval_states as (

    select * from {{ ref('int_documents__approval_states') }}

),

allocations as (

    select * from {{ ref('stg_ledger__allocations') }}

),

disputes as (

    select * from {{ ref('stg_ledger__disputes') }}

),

as_of as (

    select cast({{ as_of_at() }} as date) as as_of_date

),

applied as (

    select
        allocations.invoice_number,
        coalesce(sum(allocations.amount_minor) filter (where allocations.allocation_kind = 'credit_note'), 0)
            as credited_minor,
        coalesce(sum(allocations.amount_minor) filter (where allocations.allocation_kind = 'payment'), 0)
            as paid_minor,
        coalesce(sum(allocations.amount_minor) filter (where allocations.allocation_kind = 'write_off'), 0)
            as written_off_minor,
        max(allocations.value_date) filter (where allocations.allocation_kind = 'payment')
            as last_payment_date,
    from allocations
    cross join as_of
    where allocations.value_date <= as_of.as_of_date
    group by allocations.invoice_number

),

-- A document is disputed on the date when the last dispute row on or before it opened one.
disputed as (

    select
        disputes.invoice_number,
        arg_max(disputes.action, (disputes.effective_date, disputes.dispute_event_id)) = 'opened'
            as is_disputed,
    from disputes
    cross join as_of
    where disputes.effective_date <= as_of.as_of_date
    group by disputes.invoice_number

),

positioned as (

    select
        documents.*,
        as_of.as_of_date,
        coalesce(applied.credited_minor, 0) as credited_minor,
        coalesce(applied.paid_minor, 0) as paid_minor,
        coalesce(applied.written_off_minor, 0) as written_off_minor,
        documents.gross_amount_minor
        - coalesce(applied.credited_minor, 0)
        - coalesce(applied.paid_minor, 0)
        - coalesce(applied.written_off_minor, 0) as open_minor,
        applied.last_payment_date,
        coalesce(disputed.is_disputed, false) as is_disputed,
    from documents
    cross join as_of
    inner join approval_states
        on documents.invoice_number = approval_states.invoice_number
    left join applied
        on documents.invoice_number = applied.invoice_number
    left join disputed
        on documents.invoice_number = disputed.invoice_number
    where documents.document_type in ('invoice', 'debit_note')
        and approval_states.approval_status <> 'held'
        and documents.issue_date <= as_of.as_of_date

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        as_of_date,
        invoice_number,
        document_type,
        billing_period as document_billing_period,
        issuing_entity_id,
        customer_id,
        customer_name,
        currency_code,
        payment_reference,
        issue_date,
        due_date,
        gross_amount_minor,
        credited_minor,
        paid_minor,
        written_off_minor,
        open_minor,
        {{ minor_units_to_amount('open_minor', 'minor_units') }} as open_amount,
        last_payment_date,
        cast(greatest(date_diff('day', due_date, as_of_date), 0) as integer) as days_past_due,
        is_disputed,
        case
            when open_minor <= 0 and written_off_minor > 0 then 'written_off'
            when open_minor <= 0 then 'paid'
            when is_disputed then 'disputed'
            when due_date < as_of_date then 'overdue'
            when paid_minor > 0 then 'partly_paid'
            else 'open'
        end as receivable_status,
    from positioned

)

select * from final
