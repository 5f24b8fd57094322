-- Open blocking exceptions of `$period` that carry no waiver in the ledger.
select e.exception_id, e.reason_code, coalesce(e.detail, '') as detail
from marts.fct_billing_exceptions as e
where e.billing_period = $period and e.is_blocking and e.status = 'open'
    and not exists (
        select 1 from ledger.waivers as w
        where w.billing_period = $period and w.exception_id = e.exception_id
    )
order by e.reason_code, e.exception_id
