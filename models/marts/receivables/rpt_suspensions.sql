{#-
    The operations hand-off at the end of the dunning chain: every machine, Kubernetes
    namespace and Slurm account assigned, on the date of fct_dunning_stages, to a customer with
    a document at the `suspension` stage. A customer leaves the list once no document of theirs
    is at that stage (paid, credited, or a later date's evaluation).
-#}

with

dunning as (

    select * from {{ of_billing_period(ref('fct_dunning_stages')) }}

),

assignments as (

    select * from {{ ref('stg_reference__assignments') }}

),

suspended as (

    select
        billing_period,
        as_of_date,
        customer_id,
        count(*) as suspension_document_count,
        min(due_date) as oldest_due_date,
        string_agg(invoice_number, ', ' order by invoice_number) as invoice_numbers,
    from dunning
    where dunning_stage = 'suspension'
    group by billing_period, as_of_date, customer_id

),

final as (

    select
        suspended.billing_period,
        suspended.as_of_date,
        suspended.customer_id,
        assignments.subject_type,
        assignments.subject_id,
        assignments.assignment_id,
        suspended.suspension_document_count,
        suspended.oldest_due_date,
        suspended.invoice_numbers,
    from suspended
    inner join assignments
        on suspended.customer_id = assignments.customer_id
            and assignments.quarantine_reason is null
            and assignments.effective_from_at <= cast(suspended.as_of_date as timestamp)
            and (
                assignments.effective_to_at is null
                or assignments.effective_to_at > cast(suspended.as_of_date as timestamp)
            )

)

select * from final
