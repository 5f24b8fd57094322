{#-
    Runaway cost or usage against a robust daily baseline (seeds/reconciliation/anomaly_rules.csv),
    one row per judged day:
    - vendor_sku: per (vendor, vendor SKU), the day's billed cost of in-period canonical FOCUS
      usage lines of at most one day (credits and monthly lines have no daily shape);
    - customer_sku: per (customer, SKU), the day's rated usage in base units, each rated piece
      spread pro rata over the UTC days it covers. The previous month's rated usage (kept by
      int_usage__rated) is baseline only: the first days of a month are judged against the
      last days of the one before, not against a handful of days of their own.
    The baseline of a day is every other day of the same key within window_days either side:
    median (lower median, exact) and MAD = median |value - median|. A vendor SKU's baseline also
    holds every day of it this mart judged in the anomaly_history_periods previous billing periods
    (dbt_project.yml vars; read from this mart's own earlier partitions, so the look-back is what
    was billed and judged then): a vendor that bills a whole month at double last month's level is
    flagged, where the month's own days would only agree with each other. A vendor SKU without
    such history (a first month, a new SKU, a full refresh) keeps the within-month baseline. A day is an anomaly when
    value - median > mad_multiplier x 1.4826 x MAD and > min_relative_deviation x median.
-#}

with

vendor_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status = 'canonical'
        and source_kind = 'focus'
        and coalesce(charge_category, 'Usage') = 'Usage'
        and vendor_sku_id is not null
        and charge_period_end_at <= charge_period_start_at + interval 1 day

),

rated_usage as (

    select
        *,
        billing_period <> {{ billing_period_literal() }} as is_baseline_only,
    from {{ ref('int_usage__rated') }}
    where billing_period in ({{ billing_period_literal() }}, {{ previous_billing_period_literal() }})
        and rating_status = 'rated'

),

usage_day_pieces as (

    -- each rated piece split over the UTC days it covers, with the seconds it spends in each
    select
        rated_usage.customer_id,
        rated_usage.sku_id,
        rated_usage.base_unit,
        rated_usage.source_kind,
        rated_usage.source_file,
        rated_usage.source_row,
        rated_usage.is_baseline_only,
        cast(days.day_start as date) as usage_date,
        {{ decimal_to_scaled_integer('rated_usage.quantity_base') }} as piece_quantity_scaled,
        cast(date_diff(
            'second',
            greatest(rated_usage.rated_start_at, days.day_start),
            least(rated_usage.rated_end_at, days.day_start + interval 1 day)
        ) as {{ exact_integer_type() }}) as day_seconds,
        greatest(
            date_diff('second', rated_usage.rated_start_at, rated_usage.rated_end_at), 1
        ) as piece_seconds,
    from rated_usage
    -- a lateral subquery reads the row it splits into days, so no CTE can
    cross join lateral (  -- noqa: ST05
        select {{ list_rows(list_of_steps(
            "date_trunc('day', rated_usage.rated_start_at)",
            "date_trunc('day', rated_usage.rated_end_at - interval 1 microsecond)",
            'interval 1 day'
        )) }} as day_start
    ) as days

),

usage_days as (

    -- a piece's share of each day, pro rata to its seconds in the day (a long job otherwise
    -- lands wholly on its start day), in exact 10^-6 units of the base unit, rounded half-even;
    -- a piece wholly within one day (most of them) is its whole quantity, with no division
    select
        customer_id,
        sku_id,
        base_unit,
        source_kind,
        source_file,
        source_row,
        is_baseline_only,
        usage_date,
        case
            when day_seconds = piece_seconds then piece_quantity_scaled
            else {{ round_half_even_div('piece_quantity_scaled * day_seconds', 'piece_seconds') }}
        end as quantity_scaled,
    from usage_day_pieces

),

rules as (

    select * from {{ ref('anomaly_rules') }}

),

vendor_history as (

    -- the vendor SKUs' daily billed cost in the look-back, as the earlier runs judged it
    {% if is_incremental() %}
    select
        baseline_scope,
        vendor_id as subject_id,
        sku_id,
        usage_date,
        daily_value,
    from {{ this }}
    where baseline_scope = 'vendor_sku'
        and billing_period in ({{ previous_billing_period_literals(var('anomaly_history_periods')) }})
    {% else %}
    -- no earlier partition to read yet: the baseline stays within the month
    select
        cast(null as varchar) as baseline_scope,
        cast(null as varchar) as subject_id,
        cast(null as varchar) as sku_id,
        cast(null as date) as usage_date,
        cast(null as decimal(38, 6)) as daily_value,
    where 1 = 0
    {% endif %}

),

daily as (

    select
        'vendor_sku' as baseline_scope,
        'focus' as source_system,
        vendor_id as subject_id,
        vendor_sku_id as sku_id,
        cast(date_trunc('day', charge_period_start_at) as date) as usage_date,
        min(currency_code) as unit,
        cast(sum(billed_amount) as decimal(38, 6)) as daily_value,
        min({ 'source_file': source_file, 'source_row': source_row }) as first_line,
        false as is_baseline_only,
    from vendor_lines
    group by vendor_id, vendor_sku_id, cast(date_trunc('day', charge_period_start_at) as date)
    union all
    select
        'customer_sku' as baseline_scope,
        case when min(source_kind) like 'energy_%' then 'energy' else min(source_kind) end as source_system,
        customer_id as subject_id,
        sku_id,
        usage_date,
        min(base_unit) as unit,
        cast(cast(sum(quantity_scaled) as decimal(38, 0)) * 0.000001 as decimal(38, 6)) as daily_value,
        min({ 'source_file': source_file, 'source_row': source_row }) as first_line,
        bool_and(is_baseline_only) as is_baseline_only,
    from usage_days
    group by customer_id, sku_id, usage_date

),

baseline_days as (

    -- every day a baseline may draw on: the month's own, and the look-back's days (a day the
    -- month also bills, e.g. a late line of the previous month, counts once, as this month's)
    select
        baseline_scope,
        subject_id,
        sku_id,
        usage_date,
        daily_value,
        false as is_history,
    from daily
    union all
    select
        vendor_history.baseline_scope,
        vendor_history.subject_id,
        vendor_history.sku_id,
        vendor_history.usage_date,
        vendor_history.daily_value,
        true as is_history,
    from vendor_history
    left join daily
        on vendor_history.baseline_scope = daily.baseline_scope
            and vendor_history.subject_id = daily.subject_id
            and vendor_history.sku_id = daily.sku_id
            and vendor_history.usage_date = daily.usage_date
    where daily.usage_date is null

),

pairs as (

    select
        daily.baseline_scope,
        daily.subject_id,
        daily.sku_id,
        daily.usage_date,
        other.daily_value as baseline_value,
    from daily
    inner join rules
        on daily.baseline_scope = rules.baseline_scope
    inner join baseline_days as other
        on daily.baseline_scope = other.baseline_scope
            and daily.subject_id = other.subject_id
            and daily.sku_id = other.sku_id
            and daily.usage_date <> other.usage_date
            and (
                other.is_history
                or abs(date_diff('day', other.usage_date, daily.usage_date)) <= rules.window_days
            )

),

medians as (

    select
        baseline_scope,
        subject_id,
        sku_id,
        usage_date,
        quantile_disc(baseline_value, 0.5) as baseline_median,
        count(*) as baseline_days,
    from pairs
    group by all

),

mads as (

    select
        medians.baseline_scope,
        medians.subject_id,
        medians.sku_id,
        medians.usage_date,
        quantile_disc(abs(pairs.baseline_value - medians.baseline_median), 0.5) as baseline_mad,
    from medians
    inner join pairs
        on medians.baseline_scope = pairs.baseline_scope
            and medians.subject_id = pairs.subject_id
            and medians.sku_id = pairs.sku_id
            and medians.usage_date = pairs.usage_date
    group by all

),

judged as (

    select
        daily.*,
        medians.baseline_median,
        mads.baseline_mad,
        medians.baseline_days,
        daily.daily_value - medians.baseline_median as deviation,
        rules.mad_multiplier,
        rules.min_relative_deviation,
        coalesce(
            medians.baseline_days >= rules.min_baseline_days
            and daily.daily_value - medians.baseline_median
            > rules.mad_multiplier * 1.4826 * mads.baseline_mad
            and daily.daily_value - medians.baseline_median
            > rules.min_relative_deviation * medians.baseline_median,
            false
        ) as is_anomaly,
    from daily
    inner join rules
        on daily.baseline_scope = rules.baseline_scope
    left join medians
        on daily.baseline_scope = medians.baseline_scope
            and daily.subject_id = medians.subject_id
            and daily.sku_id = medians.sku_id
            and daily.usage_date = medians.usage_date
    left join mads
        on daily.baseline_scope = mads.baseline_scope
            and daily.subject_id = mads.subject_id
            and daily.sku_id = mads.sku_id
            and daily.usage_date = mads.usage_date

),

final as (

    select
        {{ stable_hash([billing_period_literal(), 'baseline_scope', 'subject_id', 'sku_id', 'usage_date']) }}
            as anomaly_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(baseline_scope as varchar) as baseline_scope,
        cast(source_system as varchar) as source_system,
        cast(case when baseline_scope = 'vendor_sku' then judged.subject_id end as varchar) as vendor_id,
        cast(case when baseline_scope = 'customer_sku' then judged.subject_id end as varchar) as customer_id,
        cast(sku_id as varchar) as sku_id,
        cast(usage_date as date) as usage_date,
        cast(unit as varchar) as unit,
        cast(daily_value as decimal(38, 6)) as daily_value,
        cast(baseline_median as decimal(38, 6)) as baseline_median,
        cast(baseline_mad as decimal(38, 6)) as baseline_mad,
        cast(coalesce(baseline_days, 0) as bigint) as baseline_days,
        cast(deviation as decimal(38, 6)) as deviation,
        cast(
            greatest(
                judged.mad_multiplier * 1.4826 * baseline_mad, judged.min_relative_deviation * baseline_median
            )
            as decimal(38, 6)
        ) as threshold_deviation,
        cast(is_anomaly as boolean) as is_anomaly,
        cast(first_line.source_file as varchar) as first_source_file,
        cast(first_line.source_row as bigint) as first_source_row,
    from judged
    where not judged.is_baseline_only

)

select * from final
