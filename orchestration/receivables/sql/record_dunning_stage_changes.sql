-- Append to ledger.dunning_stage_changes every document whose stage as of $as_of (the
-- evaluation just built: marts.fct_dunning_stages and marts.fct_receivables of $period) differs
-- from the last stage recorded for it. A document that left the evaluation (paid, credited,
-- disputed, no longer overdue) moves to `none`. Re-running the same evaluation appends nothing.
insert into ledger.dunning_stage_changes
with

evaluated as (
    select *
    from marts.fct_dunning_stages
    where billing_period = $period
),

receivables as (
    select *
    from marts.fct_receivables
    where billing_period = $period
),

recorded as (
    select *
    from ledger.dunning_stage_changes
    qualify row_number() over (partition by invoice_number order by as_of_date desc, change_id desc) = 1
),

documents as (
    select
        invoice_number,
        issuing_entity_id,
        customer_id,
        currency_code,
        cast(due_date as date) as due_date,
    from ledger.invoices
),

moved as (
    select
        coalesce(evaluated.invoice_number, recorded.invoice_number) as invoice_number,
        coalesce(recorded.to_stage, 'none') as from_stage,
        coalesce(evaluated.dunning_stage, 'none') as to_stage,
        evaluated.segment,
        coalesce(evaluated.open_minor, receivables.open_minor, recorded.open_minor) as open_minor,
        coalesce(evaluated.days_past_due, receivables.days_past_due, 0) as days_past_due,
        case
            when evaluated.dunning_stage <> 'none'
                then 'dunning_stages:' || evaluated.segment || '/' || evaluated.dunning_stage
            when evaluated.invoice_number is not null then 'below_minimum'
            when coalesce(receivables.open_minor, 0) <= 0 then 'settled'
            when receivables.is_disputed then 'disputed'
            else 'not_overdue'
        end as rule,
    from evaluated
    full outer join recorded
        on evaluated.invoice_number = recorded.invoice_number
    left join receivables
        on coalesce(evaluated.invoice_number, recorded.invoice_number) = receivables.invoice_number
    where coalesce(recorded.to_stage, 'none') <> coalesce(evaluated.dunning_stage, 'none')
)

select
    'DUN-' || lpad(cast(
        (select count(*) from ledger.dunning_stage_changes)
        + row_number() over (order by moved.invoice_number) as varchar
    ), 6, '0') as change_id,
    cast($as_of as date) as as_of_date,
    moved.invoice_number,
    documents.issuing_entity_id,
    documents.customer_id,
    documents.currency_code,
    documents.due_date,
    moved.from_stage,
    moved.to_stage,
    moved.open_minor,
    moved.days_past_due,
    moved.rule,
    case moved.rule
        when 'settled' then 'paid or credited in full'
        when 'below_minimum'
            then 'the customer''s overdue amount is below the segment''s minimum ('
                || moved.days_past_due || ' days past due)'
        when 'disputed' then 'disputed by the customer: dunning paused until the dispute is resolved'
        when 'not_overdue' then 'no longer past its due date'
        else stages.description || ' (' || moved.days_past_due || ' days past due)'
    end as reason,
    $recorded_by as recorded_by,
    $recorded_at as recorded_at,
from moved
inner join documents
    on moved.invoice_number = documents.invoice_number
left join policy.dunning_stages as stages
    on moved.segment = stages.segment
        and moved.to_stage = stages.stage
