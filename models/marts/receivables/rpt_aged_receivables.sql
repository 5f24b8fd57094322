{#-
    Open receivables as of the date of fct_receivables, aged by days past due: current (not
    yet due), 1-30, 31-60, 61-90 and over 90 days, per issuing entity, currency and customer.
-#}

with

receivables as (

    select * from {{ of_billing_period(ref('fct_receivables')) }}

),

final as (

    select
        billing_period,
        as_of_date,
        issuing_entity_id,
        currency_code,
        customer_id,
        count(*) as open_document_count,
        sum(open_amount) filter (where days_past_due = 0) as current_amount,
        sum(open_amount) filter (where days_past_due between 1 and 30) as past_due_1_30_amount,
        sum(open_amount) filter (where days_past_due between 31 and 60) as past_due_31_60_amount,
        sum(open_amount) filter (where days_past_due between 61 and 90) as past_due_61_90_amount,
        sum(open_amount) filter (where days_past_due > 90) as past_due_over_90_amount,
        sum(open_amount) as open_amount,
    from receivables
    where open_minor > 0
    group by billing_period, as_of_date, issuing_entity_id, currency_code, customer_id

)

select
    billing_period,
    as_of_date,
    issuing_entity_id,
    currency_code,
    customer_id,
    open_document_count,
    coalesce(current_amount, 0) as current_amount,
    coalesce(past_due_1_30_amount, 0) as past_due_1_30_amount,
    coalesce(past_due_31_60_amount, 0) as past_due_31_60_amount,
    coalesce(past_due_61_90_amount, 0) as past_due_61_90_amount,
    coalesce(past_due_over_90_amount, 0) as past_due_over_90_amount,
    open_amount,
from final
