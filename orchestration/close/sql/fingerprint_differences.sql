-- Each frozen document or line of `$period` whose hash differs from the one close `$close_id`
-- recorded: removed, added or changed since the close.
with recorded as (
    select invoice_number, invoice_line_id, row_sha256 from ledger.close_fingerprints
    where close_id = $close_id
),
current_rows as ({fingerprints})
select
    coalesce(r.invoice_number, c.invoice_number) as invoice_number,
    coalesce(r.invoice_line_id, c.invoice_line_id) as invoice_line_id,
    case when c.row_sha256 is null then 'removed' when r.row_sha256 is null then 'added'
        else 'changed' end as change
from recorded as r
full outer join current_rows as c
    on r.invoice_number = c.invoice_number
    and r.invoice_line_id is not distinct from c.invoice_line_id
where r.row_sha256 is distinct from c.row_sha256
order by 1, 2 nulls first
