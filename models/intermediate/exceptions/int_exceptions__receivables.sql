-- Receivables exceptions of the billing period: bank credits booked in it that could not be
-- applied in full (each with the reason), and documents left short of a payment by no more
-- than the currency's declared bank-fee tolerance (a write-off proposal, never a silent
-- close). Columns as every branch of the `exceptions` union in fct_billing_exceptions.
with

outcomes as (

    select * from {{ ref('int_receivables__entry_outcomes') }}

),

matched as (

    select * from {{ ref('int_receivables__matched') }}

),

documents as (

    select * from {{ ref('stg_ledger__receivable_documents') }}

),

policy as (

    select * from {{ ref('receivables_policy') }}

),

allocations as (

    select * from {{ ref('stg_ledger__allocations') }}

),

unapplied_entries as (

    select
        outcomes.reason_code,
        'bank' as source_system,
        outcomes.source_file,
        cast(outcomes.source_row as bigint) as source_row,
        outcomes.payer_customer_id as customer_id,
        'bank_entry' as subject_type,
        outcomes.entry_id as subject_id,
        {{ minor_units_to_amount('outcomes.unapplied_minor', 'currencies.minor_units') }} as amount_at_risk,
        outcomes.currency_code,
        outcomes.entry_state
        || ': '
        || cast(outcomes.applied_minor as varchar)
        || ' of '
        || cast(outcomes.amount_minor as varchar)
        || ' minor units applied' || coalesce('; ' || outcomes.counterparty_name, '')
        || coalesce('; ' || outcomes.creditor_reference, '')
        || coalesce('; ' || outcomes.remittance_text, '') as detail,
    from outcomes
    inner join {{ ref('currencies') }} as currencies
        on outcomes.currency_code = currencies.currency_code
    where outcomes.reason_code is not null
        and outcomes.value_date >= cast({{ billing_period_start() }} as date)
        and outcomes.value_date < cast({{ billing_period_end() }} as date)

),

paid as (

    select
        invoice_number,
        sum(amount_minor) as allocated_minor,
        max(case when allocation_kind = 'payment' then value_date end) as last_payment_date,
    from matched
    group by invoice_number

),

short_paid as (

    select
        'short_payment_write_off_proposed' as reason_code,
        'bank' as source_system,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        documents.customer_id,
        'document' as subject_type,
        documents.invoice_number as subject_id,
        {{ minor_units_to_amount(
            'documents.gross_amount_minor - paid.allocated_minor', 'documents.minor_units'
        ) }} as amount_at_risk,
        documents.currency_code,
        cast(documents.gross_amount_minor - paid.allocated_minor as varchar)
        || ' minor units left unpaid, within the bank-fee tolerance of '
        || policy.bank_fee_tolerance_minor || '; propose a write-off' as detail,
    from documents
    inner join paid
        on documents.invoice_number = paid.invoice_number
    inner join policy
        on documents.currency_code = policy.currency_code
    where paid.last_payment_date is not null
        and documents.gross_amount_minor - paid.allocated_minor > 0
        and documents.gross_amount_minor - paid.allocated_minor
        <= cast(policy.bank_fee_tolerance_minor as bigint)
        -- Once finance has approved the write-off, the proposal is answered.
        and documents.invoice_number not in (
            select allocations.invoice_number from allocations
            where allocations.allocation_kind = 'write_off'
        )
        and paid.last_payment_date >= cast({{ billing_period_start() }} as date)
        and paid.last_payment_date < cast({{ billing_period_end() }} as date)

),

unioned as (

    select * from unapplied_entries
    union all
    select * from short_paid

)

select
    reason_code,
    source_system,
    source_file,
    source_row,
    cast(null as varchar) as vendor_id,
    cast(null as varchar) as vendor_sku_id,
    cast(null as varchar) as vendor_item_code,
    cast(null as varchar) as site_id,
    cast(null as varchar) as resource_id,
    customer_id,
    subject_type,
    subject_id,
    cast(null as varchar) as job_id,
    cast(null as varchar) as sku_id,
    cast(null as decimal(38, 6)) as quantity_base,
    cast(amount_at_risk as decimal(38, 6)) as amount_at_risk,
    currency_code,
    detail,
from unioned
