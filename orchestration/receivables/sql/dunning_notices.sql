-- One row per dunning notice of the evaluation as of $as_of: a customer and currency with a
-- document whose stage moved to a dunning stage that day (ledger.dunning_stage_changes). The
-- notice is at the highest stage among the customer's overdue documents in that currency and
-- lists every one of them (marts.fct_dunning_stages of $period, the evaluation just built),
-- with one JSON value holding what it prints. Texts and parties come from the seeds (temp
-- tables notice_texts, doc_parties, doc_bank_accounts, close_issuing_entities).
with moved as (
    select distinct customer_id, currency_code
    from ledger.dunning_stage_changes
    where as_of_date = $as_of and to_stage <> 'none'
),

overdue as (
    select
        stages.*,
        invoices.issue_date,
        invoices.gross_amount_minor,
        invoices.minor_units,
        invoices.language_code,
        invoices.country_code
    from marts.fct_dunning_stages as stages
    inner join moved
        on stages.customer_id = moved.customer_id and stages.currency_code = moved.currency_code
    inner join ledger.invoices as invoices on stages.invoice_number = invoices.invoice_number
    where stages.billing_period = $period
),

notices as (
    select
        customer_id,
        currency_code,
        arg_max(dunning_stage, stage_order) as stage,
        arg_max(next_stage_date, stage_order) as next_stage_date,
        arg_max(issuing_entity_id, issue_date) as issuing_entity_id,
        arg_max(customer_name, issue_date) as customer_name,
        arg_max(language_code, issue_date) as language_code,
        arg_max(country_code, issue_date) as country_code,
        min(minor_units) as minor_units,
        sum(open_minor) as total_due_minor,
        list({
            'invoice_number': invoice_number,
            'issue_date': strftime(issue_date, '%Y-%m-%d'),
            'due_date': strftime(due_date, '%Y-%m-%d'),
            'days_past_due': days_past_due,
            'gross_amount_minor': gross_amount_minor,
            'open_minor': open_minor,
            'payment_reference': coalesce(payment_reference, invoice_number)
        } order by due_date, invoice_number) as documents
    from overdue
    group by customer_id, currency_code
),

texts as (
    -- Each key in the notice's language, English where that language has none.
    select n.customer_id, n.currency_code, t.text_key, coalesce(l.text, t.text) as text
    from notices as n
    cross join (select * from notice_texts where language_code = 'en') as t
    left join notice_texts as l on t.text_key = l.text_key and n.language_code = l.language_code
),

banks as (
    -- The issuer's account in the notice's currency, else its first account.
    select
        n.customer_id,
        n.currency_code,
        b.iban,
        row_number() over (
            partition by n.customer_id, n.currency_code
            order by (b.currency = n.currency_code) desc, b.bank_account_id
        ) as preference
    from notices as n
    inner join doc_bank_accounts as b on n.issuing_entity_id = b.issuing_entity_id
)

select
    n.customer_id,
    n.currency_code,
    n.stage,
    to_json({
        'notice_id': strftime(cast($as_of as date), '%Y-%m-%d') || '-' || n.customer_id || '-' || n.currency_code,
        'as_of_date': strftime(cast($as_of as date), '%Y-%m-%d'),
        'stage': n.stage,
        'next_stage_date': strftime(n.next_stage_date, '%Y-%m-%d'),
        'language_code': n.language_code,
        'currency_code': n.currency_code,
        'minor_units': n.minor_units,
        'total_due_minor': n.total_due_minor,
        'documents': n.documents,
        'issuer': {
            'legal_name': e.legal_name,
            'vat_number': e.vat_number,
            'street_address': ia.street_address,
            'postal_code': ia.postal_code,
            'city': ia.city,
            'country_code': ia.country_code,
            'bank_bic': ia.bank_bic
        },
        'customer': {
            'customer_id': n.customer_id,
            'legal_name': n.customer_name,
            'vat_number': nullif(ca.vat_number, ''),
            'street_address': ca.street_address,
            'postal_code': ca.postal_code,
            'city': ca.city,
            'country_code': coalesce(ca.country_code, n.country_code)
        },
        'bank': {'iban': nullif(b.iban, '')},
        'legal_mention': (
            select t.text from texts as t
            where t.customer_id = n.customer_id and t.currency_code = n.currency_code
                and t.text_key = 'legal.' || coalesce(ca.country_code, n.country_code)
        ),
        'texts': (
            select map_from_entries(list({'k': t.text_key, 'v': t.text}))
            from texts as t where t.customer_id = n.customer_id and t.currency_code = n.currency_code
        )
    }) as notice
from notices as n
inner join close_issuing_entities as e on n.issuing_entity_id = e.issuing_entity_id
left join doc_parties as ia on ia.party_kind = 'issuer' and n.issuing_entity_id = ia.party_id
left join doc_parties as ca on ca.party_kind = 'customer' and n.customer_id = ca.party_id
left join banks as b
    on n.customer_id = b.customer_id and n.currency_code = b.currency_code and b.preference = 1
order by n.customer_id, n.currency_code
