{#-
    Every recurring charge of a valid customer's price list in force at the period start,
    priced in the customer's invoice currency (docs/rating.md, flat fees, commitments, FX):
    - in the invoice currency: the amount rounded half-even to its minor units;
    - in another currency: converted at the rate of the period's last day (a monthly charge
      has no usage date, so it takes the `period_end` rate whatever the price list's usage
      policy), exactly, rounded once (macro rate_amount_minor_times);
    - without a valid rate for that pair and day: `fx_rate_missing`, no amount; the fee is not
      invoiced and the commitment not trued up until the rate arrives (fct_billing_exceptions).
    Read by fct_invoice_lines (fees, true-ups) and fct_billing_exceptions.
-#}

with

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

recurring_charges as (

    select * from {{ ref('customer_recurring_charges') }}
    where effective_from <= {{ billing_period_start() }}
        and coalesce(effective_to, cast('infinity' as timestamp)) > {{ billing_period_start() }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

period_end_rates as (

    select * from {{ ref('int_fx_rates__daily') }}
    where rate_date = {{ billing_period_last_day() }}

),

charges as (

    select
        customers.customer_id,
        recurring_charges.price_list_id,
        recurring_charges.charge_id,
        recurring_charges.charge_version,
        recurring_charges.charge_type,
        recurring_charges.currency_code as charge_currency_code,
        cast(recurring_charges.amount as decimal(18, 6)) as amount,
        customers.currency_code as invoice_currency_code,
        currencies.minor_units,
        recurring_charges.currency_code <> customers.currency_code as needs_fx,
        {{ billing_period_last_day() }} as period_end_date,
        period_end_rates.rate as fx_rate,
        period_end_rates.rate_source as fx_source,
    from customers
    inner join recurring_charges
        on customers.price_list_id = recurring_charges.price_list_id
    left join currencies
        on customers.currency_code = currencies.currency_code
    left join period_end_rates
        on customers.currency_code <> recurring_charges.currency_code
            and recurring_charges.currency_code = period_end_rates.base_currency
            and customers.currency_code = period_end_rates.quote_currency

),

final as (

    select
        customer_id,
        price_list_id,
        charge_id,
        charge_version,
        charge_type,
        charge_currency_code,
        amount,
        invoice_currency_code,
        minor_units,
        case when needs_fx then 'period_end' end as fx_rate_policy,
        case when needs_fx then period_end_date end as fx_rate_date,
        fx_rate,
        fx_source,
        case
            when not needs_fx then {{ amount_to_minor_units('amount', 'minor_units') }}
            when fx_rate is not null
                then {{ rate_amount_minor_times('1', 'amount', 'fx_rate', 'minor_units', '1') }}
        end as amount_minor,
        case when needs_fx and fx_rate is null then 'fx_rate_missing' else 'rated' end as charge_status,
        case
            when needs_fx and fx_rate is null
                then charge_type || ' ' || charge_id || ' of price list ' || price_list_id || ' is in '
                    || charge_currency_code || ', customer is invoiced in ' || invoice_currency_code
                    || '; no valid ' || charge_currency_code || '/' || invoice_currency_code || ' rate for '
                    || strftime(period_end_date, '%Y-%m-%d') || ' (period_end) in reference/fx_rates'
        end as charge_detail,
    from charges

)

select * from final
