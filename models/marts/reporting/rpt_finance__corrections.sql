{{ config(materialized='view') }}

{#-
    What corrections did to each billing period's revenue, per period corrected and currency,
    read from the ledger as it stands (a view, like rpt_finance__document_kpis: notes are filed
    after the period's run):
    - recovered_net_amount: net of the debit notes on the period's invoices, revenue that
      would have leaked (late usage, under-billing) and was billed after all;
    - credited_net_amount: net of the credit notes on them (over-billing given back), as a
      positive amount; a void's credit note and its replacement are left out, since together
      they re-issue the same charge.
    The period is the corrected invoice's; amounts are in the invoice currency, from integer
    minor units (macro minor_units_to_amount).
-#}

with

documents as (

    select * from {{ ref('stg_ledger__invoices') }}

),

notes as (

    select
        originals.billing_period,
        notes.currency_code,
        notes.minor_units,
        notes.document_type,
        notes.net_amount_minor,
    from documents as notes
    inner join documents as originals
        on notes.original_invoice_number = originals.invoice_number
    where notes.document_type in ('debit_note', 'credit_note')
        and notes.reason_code is distinct from 'void_reissue'

),

per_period as (

    select
        billing_period,
        currency_code,
        any_value(minor_units) as minor_units,
        count_if(document_type = 'debit_note') as debit_note_count,
        count_if(document_type = 'credit_note') as credit_note_count,
        coalesce(sum(net_amount_minor) filter (where document_type = 'debit_note'), 0)
            as recovered_net_minor,
        coalesce(sum(abs(net_amount_minor)) filter (where document_type = 'credit_note'), 0)
            as credited_net_minor,
    from notes
    group by billing_period, currency_code

),

final as (

    select
        cast(billing_period as varchar) as billing_period,
        cast(currency_code as varchar) as currency_code,
        cast(debit_note_count as bigint) as debit_note_count,
        cast(credit_note_count as bigint) as credit_note_count,
        {{ minor_units_to_amount('recovered_net_minor', 'minor_units') }} as recovered_net_amount,
        {{ minor_units_to_amount('credited_net_minor', 'minor_units') }} as credited_net_amount,
    from per_period

)

select * from final
