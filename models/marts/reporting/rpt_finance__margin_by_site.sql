{#-
    Margin per billing period, site and margin currency, summed from fct_margin: revenue
    billed for the capacity at the site, its cost in the margin currency, and the margin.
    Rows whose cost could not be converted (no FX rate) keep their revenue but count in
    unconverted_line_count instead of the cost and margin.
-#}

with

margin as (

    select * from {{ of_billing_period(ref('fct_margin')) }}

),

final as (

    select
        billing_period,
        coalesce(site_id, 'unassigned') as site_id,
        margin_currency_code,
        count(*) as margin_line_count,
        cast(count_if(margin_amount is null) as bigint) as unconverted_line_count,
        cast(coalesce(sum(revenue_amount), 0) as decimal(18, 2)) as revenue_amount,
        cast(coalesce(sum(cost_in_margin_currency_amount), 0) as decimal(18, 2)) as cost_amount,
        cast(coalesce(sum(margin_amount), 0) as decimal(18, 2)) as margin_amount,
    from margin
    group by billing_period, coalesce(site_id, 'unassigned'), margin_currency_code

)

select * from final
