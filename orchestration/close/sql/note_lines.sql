-- A correction note's lines, numbered `<number>:NNNN` in draft line order, from the
-- note-lines query that follows.
insert into ledger.invoice_lines
select
    $number || ':' || lpad(cast(row_number() over (order by draft_invoice_line_id) as varchar), 4, '0'),
    $number, cast(row_number() over (order by draft_invoice_line_id) as integer), *
from ({lines})
