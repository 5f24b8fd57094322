-- Waivers of `$period` that marts.fct_billing_exceptions does not show yet: their exception is in
-- the mart undecided, or decided before the waiver was recorded (the mart was built before it;
-- once rebuilt, the waiver or a later decision is the one shown, never an earlier one).
select w.waiver_id, w.exception_id
from ledger.waivers as w
inner join marts.fct_billing_exceptions as e
    on e.billing_period = $period and e.exception_id = w.exception_id
where w.billing_period = $period
    and (e.resolved_at is null or e.resolved_at < timezone('UTC', w.waived_at))
order by w.waiver_id
