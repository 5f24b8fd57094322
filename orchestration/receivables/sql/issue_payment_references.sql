-- Give every issued invoice and debit note that has none its structured creditor reference.
-- The scheme is the first rule of seeds/receivables/payment_reference_schemes.csv that fits
-- the document's entity, customer country and (where the rule asks) the country of an entity
-- account kept in the document's currency. Bodies come from the document number, so they
-- are unique within the entity's series: RF keeps the number's letters and digits, KID and
-- the Finnish reference (digits only) keep the series year and sequence.
-- Parameters: $issued_at.
insert into ledger.payment_references
with

documents as (

    select
        invoice_number,
        issuing_entity_id,
        country_code,
        currency_code,
        series_year,
        sequence_number
    from ledger.invoices
    where document_type in ('invoice', 'debit_note')
        and invoice_number not in (select invoice_number from ledger.payment_references)

),

entity_bank_countries as (

    select distinct issuing_entity_id, currency, left(iban, 2) as bank_country_code
    from receivables_bank_accounts
    where coalesce(iban, '') <> ''

),

fitting_rules as (

    select
        documents.invoice_number,
        rules.scheme,
        row_number() over (
            partition by documents.invoice_number order by cast(rules.rule_order as integer)
        ) as rule_rank
    from documents
    inner join receivables_reference_schemes as rules
        on rules.issuing_entity_id in ('*', documents.issuing_entity_id)
        and rules.customer_country_code in ('*', documents.country_code)
    where coalesce(rules.entity_bank_country_code, '') = ''
        or exists (
            select 1 from entity_bank_countries as banks
            where banks.issuing_entity_id = documents.issuing_entity_id
                and banks.currency = documents.currency_code
                and banks.bank_country_code = rules.entity_bank_country_code
        )

),

issued as (

    select
        documents.invoice_number,
        documents.issuing_entity_id,
        fitting_rules.scheme,
        case fitting_rules.scheme
            when 'rf' then ledger.rf_reference(replace(documents.invoice_number, '-', ''))
            when 'kid' then ledger.kid_reference(
                cast(documents.series_year as varchar) || lpad(cast(documents.sequence_number as varchar), 6, '0'))
            when 'fi' then ledger.fi_reference(
                cast(documents.series_year as varchar) || lpad(cast(documents.sequence_number as varchar), 6, '0'))
        end as payment_reference
    from documents
    inner join fitting_rules
        on documents.invoice_number = fitting_rules.invoice_number and fitting_rules.rule_rank = 1

)

select invoice_number, issuing_entity_id, scheme, payment_reference, $issued_at
from issued
order by invoice_number
