-- Record the fingerprints of close `$close_id` (the fingerprints query follows).
insert into ledger.close_fingerprints
select $close_id, $period, invoice_number, invoice_line_id, row_sha256 from ({fingerprints})
