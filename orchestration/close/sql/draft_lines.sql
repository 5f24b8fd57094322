-- The period's draft lines from the marts, frozen by the close.
create or replace temp table close_draft_lines as
select l.*
from marts.fct_invoice_lines as l where l.billing_period = $period
