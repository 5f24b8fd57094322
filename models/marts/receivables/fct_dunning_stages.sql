{#-
    The dunning stage of every overdue document sent to a customer, as of the date of
    fct_receivables (MET_AS_OF_DATE, default the day after the billing period): the last
    stage of the customer's segment (seeds/receivables/dunning_stages.csv) whose delay after
    the due date has passed, provided the customer's overdue open amount in the document's
    currency reaches the segment's minimum (seeds/receivables/dunning_minimums.csv). Held
    documents were never sent: fct_receivables leaves them out. A disputed document pauses:
    it is left out until the dispute is resolved. Deterministic: the same ledger
    and date give the same stages.
-#}

with

receivables as (

    select * from {{ of_billing_period(ref('fct_receivables')) }}

),

stages as (

    select * from {{ ref('dunning_stages') }}

),

minimums as (

    select * from {{ ref('dunning_minimums') }}

),

segments as (

    select * from {{ ref('dunning_segments') }}

),

overdue as (

    select
        receivables.*,
        coalesce(segments.segment, 'standard') as segment,
    from receivables
    left join segments
        on receivables.customer_id = segments.customer_id
    where receivables.open_minor > 0
        and receivables.days_past_due > 0
        and not receivables.is_disputed

),

customer_overdue as (

    select
        customer_id,
        currency_code,
        sum(open_minor) as overdue_minor,
    from overdue
    group by customer_id, currency_code

),

positioned as (

    select
        overdue.*,
        customer_overdue.overdue_minor as customer_overdue_minor,
        customer_overdue.overdue_minor >= coalesce(minimums.minimum_overdue_minor, 0) as reaches_minimum,
    from overdue
    inner join customer_overdue
        on overdue.customer_id = customer_overdue.customer_id
            and overdue.currency_code = customer_overdue.currency_code
    left join minimums
        on overdue.segment = minimums.segment
            and overdue.currency_code = minimums.currency_code

),

reached as (

    select
        positioned.invoice_number,
        max(stages.stage_order) as stage_order,
    from positioned
    inner join stages
        on positioned.segment = stages.segment
            and positioned.days_past_due >= stages.days_after_due
    where positioned.reaches_minimum
    group by positioned.invoice_number

),

final as (

    select
        positioned.billing_period,
        positioned.as_of_date,
        positioned.invoice_number,
        positioned.document_type,
        positioned.issuing_entity_id,
        positioned.customer_id,
        positioned.customer_name,
        positioned.segment,
        positioned.currency_code,
        positioned.payment_reference,
        positioned.due_date,
        positioned.days_past_due,
        positioned.open_minor,
        positioned.open_amount,
        cast(positioned.customer_overdue_minor as {{ exact_integer_type() }}) as customer_overdue_minor,
        coalesce(reached.stage_order, 0) as stage_order,
        coalesce(current_stage.stage, 'none') as dunning_stage,
        next_stage.stage as next_stage,
        cast(positioned.due_date + next_stage.days_after_due as date) as next_stage_date,
    from positioned
    left join reached
        on positioned.invoice_number = reached.invoice_number
    left join stages as current_stage
        on positioned.segment = current_stage.segment
            and reached.stage_order = current_stage.stage_order
    left join stages as next_stage
        on positioned.segment = next_stage.segment
            and coalesce(reached.stage_order, 0) + 1 = next_stage.stage_order

)

select * from final
