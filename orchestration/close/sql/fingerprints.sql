-- One hash per frozen document and line of `$period` over the columns the content hash covers
-- (snapshot.py), recorded at close and recomputed by verify.
select d.invoice_number, null::varchar as invoice_line_id, sha256(to_json(d)::varchar) as row_sha256
from (select {invoice_columns} from ledger.invoices where billing_period = $period) as d
union all
select l.invoice_number, l.invoice_line_id, sha256(to_json(l)::varchar)
from (
    select {line_columns} from ledger.invoice_lines
    where invoice_number in (select invoice_number from ledger.invoices where billing_period = $period)
) as l
