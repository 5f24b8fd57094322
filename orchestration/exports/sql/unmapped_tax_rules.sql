-- Tax rules of exported lines that the receiving organisation has no tax type (Xero) or tax
-- code (QuickBooks) for, as `<organisation>/<tax rule>`.
select distinct d.accounting_org_id || '/' || coalesce(l.tax_rule_id, '(no tax rule)') as unmapped
from export_lines as l
inner join export_documents as d on l.invoice_number = d.invoice_number
where (d.accounting_system = 'xero' and l.xero_tax_type is null)
    or (d.accounting_system = 'quickbooks_online' and l.qbo_tax_code is null)
order by unmapped
