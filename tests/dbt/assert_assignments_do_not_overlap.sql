{{ config(severity='warn') }}
-- Overlapping assignments of one subject make its usage `ambiguous` (never billed, an
-- unattributed_usage exception); warn so the reference file gets fixed.
select
    first_assignment.subject_type,
    first_assignment.subject_id,
    first_assignment.assignment_id,
    second_assignment.assignment_id as overlapping_assignment_id,
from {{ ref('stg_reference__assignments') }} as first_assignment
inner join {{ ref('stg_reference__assignments') }} as second_assignment
    on first_assignment.subject_type = second_assignment.subject_type
        and first_assignment.subject_id = second_assignment.subject_id
        and first_assignment.assignment_id < second_assignment.assignment_id
        and second_assignment.effective_from_at
        < coalesce(first_assignment.effective_to_at, cast('infinity' as timestamp))
        and first_assignment.effective_from_at
        < coalesce(second_assignment.effective_to_at, cast('infinity' as timestamp))
where first_assignment.quarantine_reason is null
    and second_assignment.quarantine_reason is null
