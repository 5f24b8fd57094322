-- One balanced journal per exportable document, signed debit positive:
-- receivable (the gross) = revenue per line + tax payable per tax rule.
with

documents as (

    select * from {{ ref('int_documents__exportable') }}

),

lines as (

    select * from {{ ref('int_document_lines__exportable') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

entity_accounts as (

    select * from gl_accounts
    where match_key = '*'

),

entries as (

    select
        documents.invoice_number,
        1 as entry_order,
        'receivable' as account_role,
        '' as invoice_line_id,
        entity_accounts.account_code,
        entity_accounts.account_name,
        entity_accounts.department,
        entity_accounts.product_line,
        documents.gross_amount_minor as amount_minor,
    from documents
    inner join entity_accounts
        on documents.issuing_entity_id = entity_accounts.issuing_entity_id
            and entity_accounts.account_role = 'receivable'

    union all

    select
        lines.invoice_number,
        2 as entry_order,
        'revenue' as account_role,
        lines.invoice_line_id,
        gl_accounts.account_code,
        gl_accounts.account_name,
        gl_accounts.department,
        gl_accounts.product_line,
        -lines.net_amount_minor as amount_minor,
    from lines
    inner join gl_accounts
        on lines.issuing_entity_id = gl_accounts.issuing_entity_id
            and gl_accounts.account_role = 'revenue'
            and lines.revenue_account_code = gl_accounts.account_code

    union all

    select
        lines.invoice_number,
        3 as entry_order,
        'tax_payable' as account_role,
        coalesce(lines.tax_rule_id, '') as invoice_line_id,
        entity_accounts.account_code,
        entity_accounts.account_name,
        entity_accounts.department,
        entity_accounts.product_line,
        -sum(lines.tax_amount_minor) as amount_minor,
    from lines
    inner join entity_accounts
        on lines.issuing_entity_id = entity_accounts.issuing_entity_id
            and entity_accounts.account_role = 'tax_payable'
    group by all
    having sum(lines.tax_amount_minor) <> 0

),

final as (

    select
        entries.invoice_number as journal_id,
        row_number() over (
            partition by entries.invoice_number order by entries.entry_order, entries.invoice_line_id
        ) as journal_line,
        documents.issue_date as journal_date,
        documents.issuing_entity_id,
        documents.customer_id,
        documents.billing_period,
        documents.document_type,
        documents.currency_code,
        documents.minor_units,
        entries.account_role,
        entries.account_code,
        entries.account_name,
        coalesce(entries.department, '') as department,
        coalesce(entries.product_line, '') as product_line,
        entries.invoice_line_id as reference,
        greatest(entries.amount_minor, 0) as debit_minor,
        greatest(-entries.amount_minor, 0) as credit_minor,
    from entries
    inner join documents
        on entries.invoice_number = documents.invoice_number
    where entries.amount_minor <> 0 or entries.account_role = 'receivable'

)

select * from final
