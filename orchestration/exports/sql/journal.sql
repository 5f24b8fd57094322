-- gl_journal.csv: the period's journals, amounts as exact text, text cells made formula-safe.
select journal_id, journal_line, strftime(journal_date, '%Y-%m-%d') as journal_date, issuing_entity_id,
    safe_text(customer_id) as customer_id, billing_period, document_type, currency_code,
    account_role, safe_text(account_code) as account_code, safe_text(account_name) as account_name,
    safe_text(department) as department, safe_text(product_line) as product_line,
    safe_text(reference) as reference,
    amount_text(debit_minor, minor_units) as debit, amount_text(credit_minor, minor_units) as credit
from export_journal order by journal_id, journal_line
