{#-
    Collections of the billing period per issuing entity and currency: what documents due in
    the period were expected to bring, what payments valued in the period brought, the share
    of the period's customer credits the matching applied without a person, and days sales
    outstanding as of the date of fct_receivables (open receivables / gross invoiced in the
    90 days up to it x 90).
-#}

with

receivables as (

    select * from {{ of_billing_period(ref('fct_receivables')) }}

),

allocations as (

    select * from {{ ref('stg_ledger__allocations') }}

),

outcomes as (

    select * from {{ ref('int_receivables__entry_outcomes') }}

),

documents as (

    select * from {{ ref('stg_ledger__receivable_documents') }}

),

window_bounds as (

    select
        cast({{ billing_period_start() }} as date) as period_start,
        cast({{ billing_period_end() }} as date) as period_end

),

keys as (

    select distinct
        issuing_entity_id,
        currency_code,
    from receivables
    union
    select distinct
        issuing_entity_id,
        currency_code,
    from outcomes

),

expected as (

    select
        documents.issuing_entity_id,
        documents.currency_code,
        sum(documents.gross_amount_minor) as expected_minor,
    from documents
    cross join window_bounds
    where documents.document_type in ('invoice', 'debit_note')
        and documents.due_date >= window_bounds.period_start
        and documents.due_date < window_bounds.period_end
    group by all

),

collected as (

    select
        allocations.issuing_entity_id,
        allocations.currency_code,
        sum(allocations.amount_minor) as collected_minor,
    from allocations
    cross join window_bounds
    where allocations.allocation_kind = 'payment'
        and allocations.value_date >= window_bounds.period_start
        and allocations.value_date < window_bounds.period_end
    group by all

),

matching as (

    select
        outcomes.issuing_entity_id,
        outcomes.currency_code,
        count(*) as customer_credit_count,
        count(*) filter (where outcomes.entry_state in ('applied', 'partly_applied')) as auto_matched_count,
    from outcomes
    cross join window_bounds
    where outcomes.entry_state <> 'non_customer'
        and outcomes.value_date >= window_bounds.period_start
        and outcomes.value_date < window_bounds.period_end
    group by all

),

outstanding as (

    select
        issuing_entity_id,
        currency_code,
        min(as_of_date) as as_of_date,
        sum(greatest(open_minor, 0)) as open_minor,
        sum(gross_amount_minor) filter (where issue_date > as_of_date - 90) as invoiced_90_days_minor,
    from receivables
    group by all

),

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast({{ billing_period_literal() }} as varchar) as billing_period,
    keys.issuing_entity_id,
    keys.currency_code,
    {{ minor_units_to_amount('coalesce(expected.expected_minor, 0)', 'currencies.minor_units') }}
        as expected_amount,
    {{ minor_units_to_amount('coalesce(collected.collected_minor, 0)', 'currencies.minor_units') }}
        as collected_amount,
    coalesce(matching.customer_credit_count, 0) as customer_credit_count,
    coalesce(matching.auto_matched_count, 0) as auto_matched_count,
    cast(
        case when matching.customer_credit_count > 0
                then round(matching.auto_matched_count / matching.customer_credit_count, 4)
        end as decimal(9, 4)
    ) as auto_matched_share,
    cast(
        case when outstanding.invoiced_90_days_minor > 0
                then round(outstanding.open_minor * 90 / outstanding.invoiced_90_days_minor, 1)
        end as decimal(9, 1)
    ) as days_sales_outstanding,
from keys
inner join currencies
    on keys.currency_code = currencies.currency_code
left join expected
    on keys.issuing_entity_id = expected.issuing_entity_id and keys.currency_code = expected.currency_code
left join collected
    on keys.issuing_entity_id = collected.issuing_entity_id and keys.currency_code = collected.currency_code
left join matching
    on keys.issuing_entity_id = matching.issuing_entity_id and keys.currency_code = matching.currency_code
left join outstanding
    on keys.issuing_entity_id = outstanding.issuing_entity_id
        and keys.currency_code = outstanding.currency_code
