-- The period's draft invoices with their issuing entity (decided in dbt, dim_customers, so tax
-- and numbering never disagree), terms and the next numbers of each entity's series for `$year`.
create or replace temp table close_draft_invoices as
with drafts as (
    select
        i.invoice_id as document_key,
        i.invoice_id,
        i.customer_id,
        i.customer_name,
        i.country_code,
        coalesce(c.language_code, 'en') as language_code,
        i.currency_code,
        'invoice' as document_type,
        false as is_correction,
        min(l.minor_units) as minor_units,
        sum(l.net_amount_minor) as net_amount_minor,
        sum(l.tax_amount_minor) as tax_amount_minor,
        sum(l.net_amount_minor + l.tax_amount_minor) as gross_amount_minor,
        bool_or(l.is_estimated) as has_estimated
    from marts.fct_invoices as i
    inner join close_draft_lines as l on i.invoice_id = l.invoice_id
    left join marts.dim_customers as c
        on i.customer_id = c.customer_id and i.billing_period = c.billing_period
    where i.billing_period = $period
    group by all
),
entities as (
    select customer_id, issuing_entity_id from marts.dim_customers where billing_period = $period
),
series as (
    select issuing_entity_id, max(sequence_number) as last_sequence
    from ledger.invoices where series_year = $year group by issuing_entity_id
)
select
    d.*,
    e.issuing_entity_id,
    ie.invoice_prefix,
    ie.terms_days,
    coalesce(s.last_sequence, 0)
        + row_number() over (partition by e.issuing_entity_id order by d.customer_id, d.invoice_id)
        as sequence_number
from drafts as d
inner join entities as e on d.customer_id = e.customer_id
inner join close_issuing_entities as ie on e.issuing_entity_id = ie.issuing_entity_id
left join series as s on e.issuing_entity_id = s.issuing_entity_id
