-- The lines of the exportable documents: the description in the customer's language (from the
-- invoice texts' templates), the legal mention the tax rule requires, the revenue account and
-- the accounting organisation's tax type and code.
with

lines as (

    select * from {{ ref('stg_ledger__invoice_lines') }}

),

documents as (

    select * from {{ ref('int_documents__exportable') }}

),

invoice_texts as (

    select * from {{ ref('invoice_texts') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

accounting_tax_types as (

    select * from {{ ref('accounting_tax_types') }}

),

rendered as (

    select
        lines.*,
        documents.language_code,
        documents.currency_code,
        documents.minor_units,
        documents.issuing_entity_id,
        documents.accounting_org_id,
        documents.billing_period,
        coalesce(
            {{ invoice_text('invoice_texts', "'sku.' || lines.sku_id", 'documents.language_code') }},
            lines.sku_id
        ) as sku_text,
        {{ invoice_text(
            'invoice_texts',
            "case when lines.line_type = 'adjustment' then 'line.adjustment'
                when documents.original_invoice_number is not null and documents.document_type = 'credit_note'
                    then 'line.void'
                else 'line.usage' end",
            'documents.language_code'
        ) }} as template,
        {{ invoice_text('invoice_texts', "'legal.' || lines.legal_mention_code", 'documents.language_code') }}
            as legal_mention,
        documents.original_invoice_number,
        coalesce(lines.adjustment_reason_code, '') as reason,
        -- A converted line states its price in the invoice currency when one rate converted it
        -- (exact: the DECIMAL product, never rounded); converted at several daily rates, it states
        -- the original price in its own currency.
        lines.price_currency_code is not null and lines.price_currency_code <> documents.currency_code
            as is_converted,
        case
            when not is_converted then lines.unit_price
            when lines.fx_rate is not null then cast(lines.unit_price * lines.fx_rate as decimal(38, 12))
        end as invoice_unit_price,
        case
            when not is_converted or lines.fx_rate is not null then documents.currency_code
            else lines.price_currency_code
        end as stated_currency_code,
        case
            when is_converted and lines.fx_rate is not null
                then
                    {{ invoice_text('invoice_texts', "'line.fx'", 'documents.language_code') }}
            when is_converted then
                {{ invoice_text('invoice_texts', "'line.fx_daily'", 'documents.language_code') }}
        end as fx_template,
    from lines
    inner join documents
        on lines.invoice_number = documents.invoice_number

),

stated as (

    select
        rendered.*,
        coalesce(rendered.invoice_unit_price, rendered.unit_price) as stated_unit_price,
        replace(replace(replace(replace(replace(
            rendered.fx_template,
            '{original_price}', coalesce({{ plain_number('rendered.unit_price') }}, '')
        ),
        '{price_currency}', coalesce(rendered.price_currency_code, '')),
        '{currency}', rendered.currency_code),
        '{rate}', coalesce({{ plain_number('rendered.fx_rate') }}, '')),
        '{rate_date}', coalesce(strftime(rendered.fx_rate_date, '%Y-%m-%d'), '')) as fx_note,
    from rendered

),

recomputed as (

    -- The line as an accounting system recomputes it: quantity times unit amount (both kept to
    -- 4 decimals) rounded to the currency's minor units. Only a quantity and a price in the
    -- invoice currency that are exact at 4 decimals are candidates.
    select
        stated.*,
        case
            when
                stated.stated_currency_code = stated.currency_code
                and stated.quantity <> 0
                and stated.quantity = round(stated.quantity, 4)
                and stated.stated_unit_price = round(stated.stated_unit_price, 4)
                then
                    cast(stated.quantity as decimal(18, 4))
                    * cast(stated.stated_unit_price as decimal(18, 4))
                    * cast(10 ** stated.minor_units as bigint)
        end as recomputed_minor,
    from stated

),

final as (

    select
        rendered.*,
        -- The real quantity and unit amount go to the accounting system only where its own
        -- rounding gives back the ledger's net amount whichever way it breaks a tie (half up or
        -- half even); otherwise the export falls back to quantity 1 at the net amount, and the
        -- description carries the quantity and price.
        coalesce(
            rendered.recomputed_minor is not null
            and cast(round(rendered.recomputed_minor) as bigint) = rendered.net_amount_minor
            and abs(rendered.recomputed_minor) - floor(abs(rendered.recomputed_minor)) <> 0.5,
            false
        ) as is_recomputable,
        case when is_recomputable then cast(rendered.quantity as decimal(18, 4)) end as tool_quantity,
        case when is_recomputable then cast(rendered.stated_unit_price as decimal(18, 4)) end
            as tool_unit_amount,
        replace(replace(replace(replace(replace(replace(replace(replace(
            replace(replace(replace(
                rendered.template,
                '{sku}', rendered.sku_text
            ), '{period}', rendered.billing_period),
            '{quantity}', {{ plain_number('abs(rendered.quantity)') }}),
            '{unit}',
            coalesce(rendered.pricing_unit, '')
        ),
        '{unit_price}', coalesce({{ plain_number('rendered.stated_unit_price') }}, '')),
        '{currency}', rendered.stated_currency_code), '{price_list}', coalesce(rendered.price_list_id, '')),
        '{version}', coalesce(cast(rendered.price_list_version as varchar), '')),
        '{original_invoice}', coalesce(rendered.original_invoice_number, '')),
        '{reason}', rendered.reason), '{line}', rendered.invoice_line_id)
        || coalesce(' ' || rendered.fx_note, '')
        || coalesce(' - ' || rendered.legal_mention, '') as description,
        coalesce(
            (
                select gl_accounts.account_code from gl_accounts
                where gl_accounts.issuing_entity_id = rendered.issuing_entity_id
                    and gl_accounts.account_role = 'revenue' and gl_accounts.match_key = rendered.sku_id
            ),
            (
                select gl_accounts.account_code from gl_accounts
                where gl_accounts.issuing_entity_id = rendered.issuing_entity_id
                    and gl_accounts.account_role = 'revenue' and gl_accounts.match_key = '*'
            )
        ) as revenue_account_code,
        -- Null when the organisation has no tax type for the rule: the export then refuses the
        -- period, as the accounting system would reject (or mis-tax) a raw tax rule id.
        (
            select accounting_tax_types.xero_tax_type from accounting_tax_types
            where accounting_tax_types.accounting_org_id = rendered.accounting_org_id
                and accounting_tax_types.tax_rule_id = rendered.tax_rule_id
        ) as xero_tax_type,
        (
            select accounting_tax_types.qbo_tax_code from accounting_tax_types
            where accounting_tax_types.accounting_org_id = rendered.accounting_org_id
                and accounting_tax_types.tax_rule_id = rendered.tax_rule_id
        ) as qbo_tax_code,
    from recomputed as rendered

)

select * from final
