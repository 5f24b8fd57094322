{#-
    Billing exceptions per billing period, reason code and currency of the money at risk:
    how many, how many still open, how old (age buckets of age_days as of the run), and the
    money at risk, from fct_billing_exceptions. Exceptions without an amount sit under a null
    currency with a zero amount.
-#}

with

exceptions as (

    select * from {{ of_billing_period(ref('fct_billing_exceptions')) }}

),

final as (

    select
        billing_period,
        reason_code,
        currency_code,
        count(*) as exception_count,
        cast(count_if(status = 'open') as bigint) as open_exception_count,
        cast(count_if(age_days <= 7) as bigint) as aged_0_7_days_count,
        cast(count_if(age_days between 8 and 30) as bigint) as aged_8_30_days_count,
        cast(count_if(age_days > 30) as bigint) as aged_over_30_days_count,
        cast(max(age_days) as integer) as oldest_age_days,
        cast(coalesce(sum(amount_at_risk), 0) as decimal(18, 2)) as amount_at_risk,
        cast(coalesce(sum(amount_at_risk) filter (where status = 'open'), 0) as decimal(18, 2))
            as open_amount_at_risk,
    from exceptions
    group by billing_period, reason_code, currency_code

)

select * from final
