-- Evidence: which usage rows (by source file, with the file's hash, and by the site or cluster
-- and the machine, namespace or Slurm account they were measured on) make up each frozen line.
insert into ledger.evidence (
    invoice_line_id, source_kind, source_file, file_sha256, usage_rows, quantity_base,
    first_usage_at, last_usage_at, source_id, subject_type, subject_id
)
select
    il.invoice_line_id,
    u.source_kind,
    u.source_file,
    min(f.file_sha256),
    count(distinct u.usage_line_id),
    sum(s.quantity_base),
    min(s.rated_start_at),
    max(s.rated_end_at),
    u.source_id,
    u.subject_type,
    u.subject_id
from intermediate.int_usage__sliced as s
inner join intermediate.int_usage__rated as u
    on s.rated_usage_id = u.rated_usage_id and s.billing_period = u.billing_period
inner join ledger.invoice_lines as il on il.draft_invoice_line_id = s.invoice_line_id
inner join ledger.invoices as i on il.invoice_number = i.invoice_number and i.billing_period = $period
left join raw.file_registry as f on f.source_file = u.source_file and f.is_current
where u.rating_status = 'rated' and s.billing_period = $period
group by il.invoice_line_id, u.source_kind, u.source_file, u.source_id, u.subject_type, u.subject_id
