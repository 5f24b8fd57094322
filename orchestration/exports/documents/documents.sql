-- One row per approved document of the period ($period), with everything its customer
-- document prints as one JSON value: parties, lines, VAT per rate, usage evidence, tiers.
-- Read from the frozen ledger; policy text from the seeds (temp tables doc_*, close_*).
with approval as (
    select * from {approval_states}
),

documents as (
    select i.*, e.legal_name as issuer_legal_name, e.vat_number as issuer_vat_number,
        e.terms_days, coalesce(c.content_sha256, '') as close_content_sha256
    from ledger.invoices as i
    inner join approval as s on i.invoice_number = s.invoice_number
    inner join close_issuing_entities as e on i.issuing_entity_id = e.issuing_entity_id
    left join ledger.closes as c on c.billing_period = i.billing_period
    where i.billing_period = $period and s.approval_status <> 'held'
),

texts as (
    -- Each key in the document's language, English where that language has none.
    select d.invoice_number, t.text_key, coalesce(l.text, t.text) as text
    from documents as d
    cross join (select * from doc_texts where language_code = 'en') as t
    left join doc_texts as l on l.text_key = t.text_key and l.language_code = d.language_code
),

evidence as (
    -- The usage behind each line where it was measured: per site (energy) or cluster (Slurm,
    -- Kubernetes) and per machine, namespace or Slurm account. A line frozen before the ledger
    -- kept where usage was measured shows its usage files instead.
    select
        v.invoice_line_id,
        list({
            'place_kind': case when v.source_kind like 'energy%' then 'site' else 'cluster' end,
            'source_id': v.source_id,
            'subject_type': v.subject_type,
            'subject_id': v.subject_id,
            'source_kind': v.source_kind,
            'source_file': v.source_file,
            'usage_rows': v.usage_rows,
            'quantity_base': cast(v.quantity_base as varchar),
            'first_usage_at': strftime(v.first_usage_at at time zone 'UTC', '%Y-%m-%d %H:%M'),
            'last_usage_at': strftime(v.last_usage_at at time zone 'UTC', '%Y-%m-%d %H:%M')
        } order by v.source_id, v.subject_type, v.subject_id, v.source_file, v.first_usage_at) as usage
    from (
        select
            invoice_line_id,
            source_id,
            subject_type,
            subject_id,
            min(source_kind) as source_kind,
            -- a subject's usage may come from several files: only the older lines name theirs
            case when subject_id is null then source_file end as source_file,
            sum(usage_rows) as usage_rows,
            sum(quantity_base) as quantity_base,
            min(first_usage_at) as first_usage_at,
            max(last_usage_at) as last_usage_at
        from ledger.evidence
        group by invoice_line_id, source_id, subject_type, subject_id,
            case when subject_id is null then source_file end
    ) as v
    group by v.invoice_line_id
),

tiers as (
    select
        price_list_id,
        cast(price_list_version as integer) as price_list_version,
        sku_id,
        list({
            'tier_number': cast(tier_number as integer),
            'from_quantity': from_quantity,
            'to_quantity': nullif(to_quantity, ''),
            'unit_price': unit_price
        } order by cast(tier_number as integer)) as tiers
    from doc_price_tiers
    group by all
),

price_currencies as (
    -- A price list is kept in one currency; recurring charges (not in the list) share it.
    select price_list_id, min(currency_code) as price_currency_code
    from doc_price_lists
    group by price_list_id
),

lines as (
    select
        l.invoice_number,
        list({
            'line_number': l.line_number,
            'line_type': l.line_type,
            'sku_text': coalesce(sku.text, l.sku_id),
            'quantity': cast(l.quantity as varchar),
            'pricing_unit': l.pricing_unit,
            'base_unit': l.base_unit,
            'unit_price': cast(l.unit_price as varchar),
            'price_currency_code': coalesce(l.price_currency_code, p.price_currency_code),
            'fx_rate': cast(l.fx_rate as varchar),
            'fx_rate_date': strftime(l.fx_rate_date, '%Y-%m-%d'),
            'net_amount_minor': l.net_amount_minor,
            'tax_rate': cast(l.tax_rate as varchar),
            'tax_amount_minor': l.tax_amount_minor,
            'legal_mention_code': l.legal_mention_code,
            'is_estimated': l.is_estimated,
            'price_list_id': l.price_list_id,
            'price_list_version': l.price_list_version,
            'adjustment_reason_code': l.adjustment_reason_code,
            'tiers': coalesce(t.tiers, []),
            'usage': coalesce(v.usage, [])
        } order by l.line_number) as lines
    from ledger.invoice_lines as l
    inner join documents as d on l.invoice_number = d.invoice_number
    left join texts as sku on sku.invoice_number = d.invoice_number and sku.text_key = 'sku.' || l.sku_id
    left join tiers as t
        on t.price_list_id = l.price_list_id and t.price_list_version = l.price_list_version
        and t.sku_id = l.sku_id
    left join price_currencies as p on p.price_list_id = l.price_list_id
    left join evidence as v on v.invoice_line_id = coalesce(l.original_invoice_line_id, l.invoice_line_id)
    group by l.invoice_number
),

vat as (
    -- VAT per rate and rule, with the legal mention the rule requires.
    select
        l.invoice_number,
        list({
            'tax_rate': cast(l.tax_rate as varchar),
            'legal_mention_code': l.legal_mention_code,
            'net_amount_minor': l.net_amount_minor,
            'tax_amount_minor': l.tax_amount_minor
        } order by l.tax_rate desc nulls last, l.legal_mention_code nulls first) as vat
    from (
        select l.invoice_number, l.tax_rate, l.legal_mention_code,
            sum(l.net_amount_minor) as net_amount_minor, sum(l.tax_amount_minor) as tax_amount_minor
        from ledger.invoice_lines as l
        inner join documents as d on l.invoice_number = d.invoice_number
        group by all
    ) as l
    group by l.invoice_number
),

banks as (
    -- The issuer's account in the document's currency, else its first account.
    select d.invoice_number, b.iban, b.bank_account_id,
        row_number() over (
            partition by d.invoice_number order by (b.currency = d.currency_code) desc, b.bank_account_id
        ) as preference
    from documents as d
    inner join doc_bank_accounts as b on b.issuing_entity_id = d.issuing_entity_id
),

final as (
    select
        d.invoice_number,
        d.language_code,
        to_json({
            'invoice_number': d.invoice_number,
            'document_type': d.document_type,
            'billing_period': d.billing_period,
            'language_code': d.language_code,
            'currency_code': d.currency_code,
            'minor_units': d.minor_units,
            'net_amount_minor': d.net_amount_minor,
            'tax_amount_minor': d.tax_amount_minor,
            'gross_amount_minor': d.gross_amount_minor,
            'issue_date': strftime(d.issue_date, '%Y-%m-%d'),
            'due_date': strftime(d.due_date, '%Y-%m-%d'),
            'period_start': strftime(strptime(d.billing_period || '-01', '%Y-%m-%d'), '%Y-%m-%d'),
            'period_end': strftime(last_day(strptime(d.billing_period || '-01', '%Y-%m-%d')), '%Y-%m-%d'),
            'terms_days': d.terms_days,
            'original_invoice_number': d.original_invoice_number,
            'reason_code': d.reason_code,
            'reason_text': d.reason_text,
            'close_content_sha256': d.close_content_sha256,
            'issuer': {
                'legal_name': d.issuer_legal_name,
                'vat_number': d.issuer_vat_number,
                'street_address': ia.street_address,
                'postal_code': ia.postal_code,
                'city': ia.city,
                'country_code': ia.country_code,
                'bank_bic': ia.bank_bic
            },
            'customer': {
                'customer_id': d.customer_id,
                'legal_name': d.customer_name,
                'vat_number': nullif(ca.vat_number, ''),
                'street_address': ca.street_address,
                'postal_code': ca.postal_code,
                'city': ca.city,
                'country_code': coalesce(ca.country_code, d.country_code)
            },
            'bank': {
                'iban': nullif(b.iban, ''),
                'bank_account_id': b.bank_account_id
            },
            'payment_reference': coalesce(
                (select r.payment_reference from ledger.payment_references as r
                 where r.invoice_number = d.invoice_number),
                d.invoice_number
            ),
            'lines': coalesce(l.lines, []),
            'vat': coalesce(v.vat, []),
            'texts': (select map_from_entries(list({'k': t.text_key, 'v': t.text}))
                      from texts as t where t.invoice_number = d.invoice_number)
        }) as document
    from documents as d
    left join doc_parties as ia on ia.party_kind = 'issuer' and ia.party_id = d.issuing_entity_id
    left join doc_parties as ca on ca.party_kind = 'customer' and ca.party_id = d.customer_id
    left join banks as b on b.invoice_number = d.invoice_number and b.preference = 1
    left join lines as l on l.invoice_number = d.invoice_number
    left join vat as v on v.invoice_number = d.invoice_number
)

select * from final order by invoice_number
