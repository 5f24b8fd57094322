-- The approval policy's hold reasons of draft documents (approval.py). The documents are a relation
-- with document_key, customer_id, document_type, currency_code, minor_units,
-- gross_amount_minor, has_estimated, is_correction. Returns document_key and its
-- comma-separated reasons ('' = auto-approved).
with thresholds as (
    select
        d.document_key,
        coalesce(
            (select p.threshold_amount from close_approval_policy as p
             where p.rule_id = 'high_value' and p.is_enabled and p.currency_code = d.currency_code),
            (select p.threshold_amount from close_approval_policy as p
             where p.rule_id = 'high_value' and p.is_enabled and p.currency_code = '*')
        ) * cast(10 ** d.minor_units as bigint) as threshold_minor
    from {docs} as d
),
enabled as (
    select rule_id from close_approval_policy where is_enabled group by rule_id
),
reasons as (
    select d.document_key, 'high_value' as reason
    from {docs} as d inner join thresholds as t on d.document_key = t.document_key
    where 'high_value' in (select rule_id from enabled) and abs(d.gross_amount_minor) >= t.threshold_minor
    union all
    select d.document_key, 'first_invoice'
    from {docs} as d
    where 'first_invoice' in (select rule_id from enabled)
        and d.document_type = 'invoice'
        and not exists (
            select 1 from ledger.invoices as i
            where i.customer_id = d.customer_id and i.document_type = 'invoice'
        )
    union all
    select document_key, 'estimated_usage' from {docs}
    where 'estimated_usage' in (select rule_id from enabled) and has_estimated
    union all
    select document_key, 'manual_adjustment' from {docs}
    where 'manual_adjustment' in (select rule_id from enabled) and is_correction
)
select d.document_key, coalesce(string_agg(r.reason, ',' order by r.reason), '') as approval_reasons
from {docs} as d left join reasons as r on d.document_key = r.document_key
group by d.document_key
