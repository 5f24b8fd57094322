-- A table, not a view: the invoice lines, the exception queue, the control totals and the
-- conservation test all read it.
{{ config(materialized='table') }}
{#-
    Every invoice line of the billing period priced, before tax (docs/rating.md). Usage lines:
    one per (customer, SKU, price list version, line type, tier) from the usage slices; then
    one committed-use `discount` line per discounted usage line, one `fee` line per flat
    recurring charge in force at the period start, and one `true_up` line when the customer's
    usage falls short of a minimum monthly commitment. Every amount is computed exactly and
    rounded once, on the line, by the macros in macros/money and macros/rating.
    Tax is apart (fct_invoice_lines) because it can be undecided for a customer
    (int_customers__tax_rules): that customer's lines are then not drafted, and their net here
    is the money int_exceptions__untaxed_customers holds at risk, so every priced line ends
    either on an invoice or in an exception.
    Estimated usage (int_usage__rated: only where the contract allows it) is rated on the
    same line as measured usage of its SKU, so tiers, packages and discounts see one quantity;
    the line is flagged `is_estimated` with its estimated_quantity_base, the close holds the
    invoice for approval, and real readings later correct it through adjustment notes.
    FX: usage priced in another currency than the customer's is converted exactly before the
    line's single rounding: the line sums quantity x rate over its pieces (each piece at the
    rate its price list's policy dates, int_usage__rated) as an exact HUGEINT and multiplies
    by the price once (macro fx_rate_amount_minor). Flat fees and commitments convert at the
    rate of the period's last day (int_recurring_charges__in_force). The line records the
    policy, the rate dates, the rate (when one rate priced it) and its source.
-#}

with

slices as (

    select * from {{ of_billing_period(ref('int_usage__sliced')) }}

),

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

currencies as (

    select * from {{ ref('currencies') }}

),

recurring_charges as (

    -- fees and commitments in force at the period start, in the invoice currency
    select * from {{ ref('int_recurring_charges__in_force') }}
    where charge_status = 'rated'

),

usage_lines as (

    select
        customer_id,
        sku_id,
        price_list_id,
        price_list_version,
        line_type,
        tier_number,
        pricing_model,
        unit_price,
        list_unit_price,
        coalesce(invoice_currency_code, currency_code) as currency_code,
        currency_code as price_currency_code,
        pricing_unit,
        base_unit,
        base_units_per_pricing_unit,
        package_size,
        committed_quantity,
        committed_discount_rate,
        markup_rate,
        cost_rate_card_id,
        cost_rate_card_version,
        cost_unit_price,
        fx_rate_policy,
        sum(quantity_base) as quantity_base,
        count(distinct usage_line_id) as usage_line_count,
        -- sum of quantity (10^-6) x rate (10^-6) over the pieces: exact, scaled 10^12
        sum(
            {{ decimal_to_scaled_integer('quantity_base') }} * {{ decimal_to_scaled_integer('fx_rate') }}
        ) as fx_quantity_scaled,
        min(fx_rate_date) as fx_rate_date_from,
        max(fx_rate_date) as fx_rate_date,
        case when count(distinct fx_rate) = 1 then min(fx_rate) end as fx_rate,
        string_agg(distinct fx_source, ',' order by fx_source) as fx_source,
        -- estimated usage (only where the contract allows it) stays on the line it prices
        coalesce(bool_or(is_estimated), false) as is_estimated,
        coalesce(sum(quantity_base) filter (where is_estimated), 0) as estimated_quantity_base,
    from slices
    group by all

),

usage_priced as (

    select
        usage_lines.*,
        currencies.minor_units,
        case
            when usage_lines.line_type = 'included' then cast(0 as {{ exact_integer_type() }})
            when usage_lines.fx_rate_policy is not null
                then {{ fx_rate_amount_minor(
                    'usage_lines.fx_quantity_scaled', 'usage_lines.unit_price', 'currencies.minor_units',
                    'usage_lines.base_units_per_pricing_unit'
                ) }}
            when usage_lines.pricing_model = 'package'
                then {{ package_amount_minor(
                    'usage_lines.quantity_base', 'usage_lines.unit_price', 'usage_lines.package_size',
                    'currencies.minor_units', 'usage_lines.base_units_per_pricing_unit'
                ) }}
            when usage_lines.pricing_model = 'pass_through'
                then {{ rate_amount_minor_times(
                    'usage_lines.quantity_base', 'usage_lines.cost_unit_price', '(1 + coalesce(usage_lines.markup_rate, 0))',
                    'currencies.minor_units', 'usage_lines.base_units_per_pricing_unit'
                ) }}
            else {{ rate_amount_minor(
                'usage_lines.quantity_base', 'usage_lines.unit_price', 'currencies.minor_units',
                'usage_lines.base_units_per_pricing_unit'
            ) }}
        end as net_amount_minor,
    from usage_lines
    left join currencies
        on usage_lines.currency_code = currencies.currency_code

),

discount_lines as (

    -- committed-use discount: the rate off the list price on the first committed units
    select
        customer_id,
        sku_id,
        price_list_id,
        price_list_version,
        'discount' as line_type,
        cast(null as integer) as tier_number,
        pricing_model,
        cast(-(list_unit_price * committed_discount_rate) as decimal(18, 6)) as unit_price,
        list_unit_price,
        currency_code,
        pricing_unit,
        base_unit,
        base_units_per_pricing_unit,
        package_size,
        committed_quantity,
        committed_discount_rate,
        markup_rate,
        cost_rate_card_id,
        cost_rate_card_version,
        cost_unit_price,
        discounted_base as quantity_base,
        usage_line_count,
        is_estimated,
        minor_units,
        -{{ rate_amount_minor_times(
            'discounted_base', 'list_unit_price', 'committed_discount_rate', 'minor_units',
            'base_units_per_pricing_unit'
        ) }} as net_amount_minor,
    from (
        select
            *,
            least(quantity_base, cast(committed_quantity as decimal(38, 6)) * base_units_per_pricing_unit)
                as discounted_base,
        from usage_priced
        where line_type = 'usage'
            and pricing_model = 'per_unit'
            and committed_quantity > 0
            and committed_discount_rate > 0
            and quantity_base > 0
    ) as discounted

),

fee_lines as (

    -- flat recurring fees: the whole amount for every month the charge is in force at its start
    select
        customer_id,
        charge_id as sku_id,
        price_list_id,
        charge_version as price_list_version,
        'fee' as line_type,
        cast(null as integer) as tier_number,
        'flat_fee' as pricing_model,
        amount as unit_price,
        amount as list_unit_price,
        invoice_currency_code as currency_code,
        charge_currency_code as price_currency_code,
        'month' as pricing_unit,
        'month' as base_unit,
        1 as base_units_per_pricing_unit,
        cast(null as decimal(18, 6)) as package_size,
        cast(null as decimal(18, 6)) as committed_quantity,
        cast(null as decimal(9, 6)) as committed_discount_rate,
        cast(null as decimal(9, 6)) as markup_rate,
        cast(null as varchar) as cost_rate_card_id,
        cast(null as integer) as cost_rate_card_version,
        cast(null as decimal(18, 6)) as cost_unit_price,
        cast(1 as decimal(38, 6)) as quantity_base,
        0 as usage_line_count,
        minor_units,
        amount_minor as net_amount_minor,
        fx_rate_policy,
        fx_rate_date as fx_rate_date_from,
        fx_rate_date,
        fx_rate,
        fx_source,
    from recurring_charges
    where charge_type = 'flat_fee'

),

usage_and_fees as (

    select * from usage_priced
    union all by name
    select * from discount_lines
    union all by name
    select * from fee_lines

),

usage_totals as (

    select
        customer_id,
        sum(net_amount_minor) as usage_net_minor,
    from usage_and_fees
    where line_type in ('usage', 'included', 'discount')
    group by customer_id

),

commitments as (

    -- what the customer's usage (after included units and discounts, before fees) adds up to
    select
        recurring_charges.*,
        recurring_charges.amount_minor as commitment_minor,
        coalesce(usage_totals.usage_net_minor, 0) as usage_net_minor,
    from recurring_charges
    left join usage_totals
        on recurring_charges.customer_id = usage_totals.customer_id
    where recurring_charges.charge_type = 'minimum_commitment'

),

true_up_lines as (

    select
        customer_id,
        charge_id as sku_id,
        price_list_id,
        charge_version as price_list_version,
        'true_up' as line_type,
        cast(null as integer) as tier_number,
        'minimum_commitment' as pricing_model,
        {{ minor_units_to_amount('commitment_minor - usage_net_minor', 'minor_units') }} as unit_price,
        amount as list_unit_price,
        invoice_currency_code as currency_code,
        charge_currency_code as price_currency_code,
        'month' as pricing_unit,
        'month' as base_unit,
        1 as base_units_per_pricing_unit,
        cast(null as decimal(18, 6)) as package_size,
        cast(null as decimal(18, 6)) as committed_quantity,
        cast(null as decimal(9, 6)) as committed_discount_rate,
        cast(null as decimal(9, 6)) as markup_rate,
        cast(null as varchar) as cost_rate_card_id,
        cast(null as integer) as cost_rate_card_version,
        cast(null as decimal(18, 6)) as cost_unit_price,
        cast(1 as decimal(38, 6)) as quantity_base,
        0 as usage_line_count,
        minor_units,
        commitment_minor - usage_net_minor as net_amount_minor,
        fx_rate_policy,
        fx_rate_date as fx_rate_date_from,
        fx_rate_date,
        fx_rate,
        fx_source,
    from commitments
    where commitment_minor > usage_net_minor

),

all_lines as (

    select * from usage_and_fees
    union all by name
    select * from true_up_lines

),

customer_lines as (

    -- lines of valid customers only (a quarantined customer row invoices nothing)
    select all_lines.*
    from all_lines
    inner join customers
        on all_lines.customer_id = customers.customer_id

),

final as (

    select
        {{ invoice_line_id(
            'customer_id', 'sku_id', 'price_list_id', 'price_list_version', 'tier_number',
            'cost_rate_card_version', 'line_type'
        ) }} as invoice_line_id,
        customer_id || '-' || {{ billing_period_literal() }} as invoice_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        customer_id,
        sku_id,
        price_list_id,
        cast(price_list_version as integer) as price_list_version,
        pricing_unit,
        base_unit,
        cast(quantity_base as decimal(38, 6)) as quantity_base,
        {{ to_pricing_units('quantity_base', 'base_units_per_pricing_unit') }} as quantity,
        cast(unit_price as decimal(18, 6)) as unit_price,
        currency_code,
        {{ minor_units_to_amount('net_amount_minor', 'minor_units') }} as net_amount,
        cast(usage_line_count as bigint) as usage_line_count,
        cast(base_units_per_pricing_unit as bigint) as base_units_per_pricing_unit,
        cast(minor_units as integer) as minor_units,
        cast(net_amount_minor as bigint) as net_amount_minor,
        cast(line_type as varchar) as line_type,
        cast(pricing_model as varchar) as pricing_model,
        cast(tier_number as integer) as tier_number,
        cast(list_unit_price as decimal(18, 6)) as list_unit_price,
        cast(package_size as decimal(18, 6)) as package_size,
        cast(committed_quantity as decimal(18, 6)) as committed_quantity,
        cast(committed_discount_rate as decimal(9, 6)) as committed_discount_rate,
        cast(markup_rate as decimal(9, 6)) as markup_rate,
        cast(cost_rate_card_id as varchar) as cost_rate_card_id,
        cast(cost_rate_card_version as integer) as cost_rate_card_version,
        cast(cost_unit_price as decimal(18, 6)) as cost_unit_price,
        cast(coalesce(price_currency_code, currency_code) as varchar) as price_currency_code,
        cast(fx_rate_policy as varchar) as fx_rate_policy,
        cast(fx_rate_date_from as date) as fx_rate_date_from,
        cast(fx_rate_date as date) as fx_rate_date,
        cast(fx_rate as decimal(18, 6)) as fx_rate,
        cast(fx_source as varchar) as fx_source,
        coalesce(is_estimated, false) as is_estimated,
        cast(coalesce(estimated_quantity_base, 0) as decimal(38, 6)) as estimated_quantity_base,
    from customer_lines

)

select * from final
