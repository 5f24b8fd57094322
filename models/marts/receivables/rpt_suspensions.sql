{#-
    The operations hand-off at the end of the dunning chain, as of the date of
    fct_dunning_stages: every machine, Kubernetes namespace and Slurm account assigned on that
    date to a customer with a document at the `suspension` stage (`suspend`), and those of a
    customer the dunning evaluations had recorded at `suspension` before that date and who has
    no document there any more: paid, credited or below the minimum (`lift`).
-#}

with

dunning as (

    select * from {{ of_billing_period(ref('fct_dunning_stages')) }}

),

stage_changes as (

    select * from {{ ref('stg_ledger__dunning_stage_changes') }}

),

assignments as (

    select * from {{ ref('stg_reference__assignments') }}

),

as_of as (

    select cast({{ as_of_at() }} as date) as as_of_date

),

suspended as (

    select
        customer_id,
        'suspend' as action,
        count(*) as document_count,
        min(due_date) as oldest_due_date,
        string_agg(invoice_number, ', ' order by invoice_number) as invoice_numbers,
    from dunning
    where dunning_stage = 'suspension'
    group by customer_id

),

-- The stage changes recorded before this date, each document's newest first.
recorded_before as (

    select
        stage_changes.*,
        row_number() over (
            partition by stage_changes.invoice_number
            order by stage_changes.as_of_date desc, stage_changes.change_id desc
        ) as change_order,
    from stage_changes
    cross join as_of
    where stage_changes.as_of_date < as_of.as_of_date

),

-- Each document's stage as the evaluations before this date left it (a filter on the window
-- rather than QUALIFY, which not every engine has).
latest_before as (

    select * from recorded_before
    where change_order = 1

),

lifted as (

    select
        customer_id,
        'lift' as action,
        count(*) as document_count,
        min(due_date) as oldest_due_date,
        string_agg(invoice_number, ', ' order by invoice_number) as invoice_numbers,
    from latest_before
    where to_stage = 'suspension'
        and customer_id not in (select suspended.customer_id from suspended)
    group by customer_id

),

actions as (

    select * from suspended
    union all
    select * from lifted

),

final as (

    select
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        as_of.as_of_date,
        actions.action,
        actions.customer_id,
        assignments.subject_type,
        assignments.subject_id,
        assignments.assignment_id,
        actions.document_count,
        actions.oldest_due_date,
        actions.invoice_numbers,
    from actions
    cross join as_of
    inner join assignments
        on actions.customer_id = assignments.customer_id
            and assignments.quarantine_reason is null
            and assignments.effective_from_at <= cast(as_of.as_of_date as timestamp)
            and (
                assignments.effective_to_at is null
                or assignments.effective_to_at > cast(as_of.as_of_date as timestamp)
            )

)

select * from final
