"""The exportable documents of a closed period, as temporary DuckDB views over the ledger.

Everything the export files show is derived here from the frozen ledger (never from the
live marts), so exporting a closed period twice gives the same bytes. Amounts are written
from integer minor units (`amount_text`), never through floating point.
"""

from __future__ import annotations

import duckdb

from orchestration.close.approval import APPROVAL_STATE_SQL

# Text cells a spreadsheet would evaluate as a formula get a leading quote.
FORMULA_PREFIX = r"^[=+\-@\t\r]"

MACROS = rf"""
create or replace temp macro amount_text(amount_minor, minor_units) as
    case when minor_units = 0 then cast(amount_minor as varchar)
    else (case when amount_minor < 0 then '-' else '' end)
        || cast(abs(amount_minor) // cast(10 ** minor_units as bigint) as varchar) || '.'
        || lpad(cast(abs(amount_minor) % cast(10 ** minor_units as bigint) as varchar), minor_units, '0')
    end;
create or replace temp macro amount_decimal(amount_minor, minor_units) as
    cast(amount_text(amount_minor, minor_units) as decimal(18, 2));
create or replace temp macro plain_number(value) as
    case when cast(value as varchar) like '%.%'
        then rtrim(rtrim(cast(value as varchar), '0'), '.') else cast(value as varchar) end;
create or replace temp macro safe_text(value) as
    case when value is null or value = '' then null
    when regexp_matches(value, '{FORMULA_PREFIX}') then '''' || value
    else value end;
"""


def text_for(key_sql: str, language_sql: str) -> str:
    """The invoice text for a key in the document's language, English when it has none."""
    return (
        f"coalesce((select t.text from close_invoice_texts as t where t.text_key = {key_sql} "
        f"and t.language_code = {language_sql}), (select t.text from close_invoice_texts as t "
        f"where t.text_key = {key_sql} and t.language_code = 'en'))"
    )


def create_export_views(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """export_documents, export_lines and export_journal for the approved documents of `period`."""
    con.execute(MACROS)
    con.execute(
        f"""
        create or replace temp table export_documents as
        select
            i.*,
            s.approval_status,
            e.legal_name as issuer_legal_name,
            e.vat_number as issuer_vat_number,
            o.accounting_org_id,
            o.accounting_system,
            o.date_format,
            o.default_terms,
            {text_for("'document.' || i.document_type", "i.language_code")} as document_title,
            coalesce((select max(c.content_sha256) from ledger.closes as c
                      where c.billing_period = i.billing_period), '') as close_content_sha256
        from ledger.invoices as i
        inner join ({APPROVAL_STATE_SQL}) as s on i.invoice_number = s.invoice_number
        inner join close_issuing_entities as e on i.issuing_entity_id = e.issuing_entity_id
        inner join close_accounting_orgs as o on e.accounting_org_id = o.accounting_org_id
        where i.billing_period = ? and s.approval_status <> 'held'
        """,
        [period],
    )
    sku_text = text_for("'sku.' || l.sku_id", "d.language_code")
    template = text_for(
        "case when l.line_type = 'adjustment' then 'line.adjustment' "
        "when d.original_invoice_number is not null and d.document_type = 'credit_note' then 'line.void' "
        "else 'line.usage' end",
        "d.language_code",
    )
    con.execute(
        f"""
        create or replace temp table export_lines as
        with rendered as (
            select
                l.*,
                d.language_code,
                d.currency_code,
                d.minor_units,
                d.issuing_entity_id,
                d.accounting_org_id,
                coalesce({sku_text}, l.sku_id) as sku_text,
                {template} as template,
                {text_for("'legal.' || l.legal_mention_code", "d.language_code")} as legal_mention,
                d.original_invoice_number,
                coalesce(l.adjustment_reason_code, '') as reason
            from ledger.invoice_lines as l
            inner join export_documents as d on l.invoice_number = d.invoice_number
        )
        select
            r.*,
            replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
                r.template,
                '{{sku}}', r.sku_text), '{{period}}', '{period}'),
                '{{quantity}}', plain_number(abs(r.quantity))), '{{unit}}', coalesce(r.pricing_unit, '')),
                '{{unit_price}}', coalesce(plain_number(r.unit_price), '')),
                '{{currency}}', r.currency_code), '{{price_list}}', coalesce(r.price_list_id, '')),
                '{{version}}', coalesce(cast(r.price_list_version as varchar), '')),
                '{{original_invoice}}', coalesce(r.original_invoice_number, '')),
                '{{reason}}', r.reason), '{{line}}', r.invoice_line_id)
                || coalesce(' - ' || r.legal_mention, '') as description,
            coalesce(
                (select g.account_code from close_gl_accounts as g
                 where g.issuing_entity_id = r.issuing_entity_id
                    and g.account_role = 'revenue' and g.match_key = r.sku_id),
                (select g.account_code from close_gl_accounts as g
                 where g.issuing_entity_id = r.issuing_entity_id
                    and g.account_role = 'revenue' and g.match_key = '*')
            ) as revenue_account_code,
            coalesce(
                (select t.xero_tax_type from close_accounting_tax_types as t
                 where t.accounting_org_id = r.accounting_org_id and t.tax_rule_id = r.tax_rule_id),
                r.tax_rule_id
            ) as xero_tax_type,
            coalesce(
                (select t.qbo_tax_code from close_accounting_tax_types as t
                 where t.accounting_org_id = r.accounting_org_id and t.tax_rule_id = r.tax_rule_id),
                r.tax_rule_id
            ) as qbo_tax_code
        from rendered as r
        """
    )
    missing = con.execute(
        "select distinct legal_mention_code || ' (' || language_code || ')' from export_lines "
        "where legal_mention_code is not null and legal_mention is null order by 1"
    ).fetchall()
    if missing:
        # A tax rule that requires a legal mention is never exported without its wording.
        raise ValueError(
            "no invoice text for legal mention(s) "
            + ", ".join(m for (m,) in missing)
            + ": add legal.<code> rows to seeds/close/invoice_texts.csv"
        )
    _create_journal(con)


def _create_journal(con: duckdb.DuckDBPyConnection) -> None:
    """Signed journal entries (debit positive): receivable = revenue + tax, per document."""
    con.execute(
        """
        create or replace temp table export_journal as
        with accounts as (select * from close_gl_accounts where match_key = '*'),
        entries as (
            select d.invoice_number, 1 as entry_order, 'receivable' as account_role, '' as invoice_line_id,
                a.account_code, a.account_name, a.department, a.product_line,
                d.gross_amount_minor as amount_minor
            from export_documents as d
            inner join accounts as a
                on a.issuing_entity_id = d.issuing_entity_id and a.account_role = 'receivable'
            union all
            select l.invoice_number, 2, 'revenue', l.invoice_line_id, g.account_code, g.account_name,
                g.department, g.product_line, -l.net_amount_minor
            from export_lines as l
            inner join close_gl_accounts as g
                on g.issuing_entity_id = l.issuing_entity_id and g.account_role = 'revenue'
                and g.account_code = l.revenue_account_code
            union all
            select l.invoice_number, 3, 'tax_payable', coalesce(l.tax_rule_id, ''), a.account_code,
                a.account_name, a.department, a.product_line, -sum(l.tax_amount_minor)
            from export_lines as l
            inner join accounts as a
                on a.issuing_entity_id = l.issuing_entity_id and a.account_role = 'tax_payable'
            group by all
            having sum(l.tax_amount_minor) <> 0
        )
        select
            e.invoice_number as journal_id,
            row_number() over (partition by e.invoice_number order by e.entry_order, e.invoice_line_id)
                as journal_line,
            d.issue_date as journal_date,
            d.issuing_entity_id,
            d.customer_id,
            d.billing_period,
            d.document_type,
            d.currency_code,
            d.minor_units,
            e.account_role,
            e.account_code,
            e.account_name,
            coalesce(e.department, '') as department,
            coalesce(e.product_line, '') as product_line,
            e.invoice_line_id as reference,
            greatest(e.amount_minor, 0) as debit_minor,
            greatest(-e.amount_minor, 0) as credit_minor
        from entries as e
        inner join export_documents as d on e.invoice_number = d.invoice_number
        where e.amount_minor <> 0 or e.account_role = 'receivable'
        """
    )
