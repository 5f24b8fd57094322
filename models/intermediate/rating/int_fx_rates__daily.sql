{#-
    The FX rates rating may use: one rate per UTC date and currency pair, from the valid rows
    of stg_reference__fx_rates (quarantined rows, including two different rates for one date
    and pair, never count). A row delivered again verbatim counts once; the publishers of the
    rate are listed, comma-separated. Read by int_usage__rated (usage) and
    int_recurring_charges__in_force (fees and commitments).
-#}

with

rates as (

    select * from {{ ref('stg_reference__fx_rates') }}
    where quarantine_reason is null

),

final as (

    select
        rate_date,
        base_currency,
        quote_currency,
        -- every valid row of a date and pair carries the same rate (contradictions are quarantined)
        min(rate) as rate,
        string_agg(distinct rate_source, ',' order by rate_source) as rate_source,
    from rates
    group by rate_date, base_currency, quote_currency

)

select * from final
