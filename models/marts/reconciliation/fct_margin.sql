{#-
    Margin per customer, site and capacity (a dedicated machine or a cluster) for the billing
    period: what we bill against what the capacity cost us.

    Revenue is the customer's invoice line nets (fct_invoice_lines), every line allocated, so
    that per customer and period the revenue adds up to the invoice net to the minor unit
    (tests/dbt/assert_margin_revenue_ties_out_to_invoices):
    - usage lines: all lines of a customer, SKU and price version that has rated usage (every
      tier, the included quantity, the committed-use discount) together, spread over the
      capacities that produced the usage pro rata of their rated base quantity: a tier or a
      discount prices the SKU's usage as a whole, not the usage of one capacity;
    - lines without usage of their own (platform fee, minimum-commitment true-up, and any other
      line whose SKU has no rated usage): spread over the customer's capacities pro rata of the
      usage revenue allocated to them in the step before, because a fee or a true-up is paid
      for the service as a whole and weighs where the customer's business is; a customer with
      no usage revenue keeps them on one row of capacity_type `customer` (no capacity, no site).
    Each split is by the largest remainder in integer minor units (macro
    largest_remainder_share): floor shares, then the minor units left over one each to the
    largest remainders, so the shares of one total add up to it exactly; this is the one
    rounding of revenue. A customer held by a tax_profile_missing or tax_rule_missing exception
    has priced lines but no invoice lines: it has no revenue here (its net is the exception's
    amount at risk) while its capacities still carry its cost, until its tax rule is decided
    and the period re-run.

    Cost is allocated by the declared rules (seeds/reconciliation/capacity_cost_rules.csv):
    - energy at its real cost: the machine meter's energy x the vendor's billed power unit price
      (the rate card price when the vendor billed no power), rounded half-even once per machine;
    - space and cross-connects: the site's billed amount split equally across its machines;
    - a shared machine's cost goes to the Slurm cluster at its site; a Kubernetes cluster on a
      cloud vendor costs that vendor's in-period canonical FOCUS lines;
    - a capacity's cost is shared among its customers by their attributed quantity of the
      rule's allocation SKU; what no customer used stays with customer_id null.
    Every cost allocation rounds half-even to minor units, so cost shares can differ from the
    whole by a minor unit per row. Revenue is in the customer's currency, cost in the vendor's.
    Where they differ, the cost is converted into the revenue currency at the rate of the
    period's last day (int_fx_rates__daily, as for recurring charges): cost x rate of the pair
    cost/revenue, else cost / rate of the pair revenue/cost, exactly and rounded once; without
    either rate the margin stays null (never a guessed rate).
-#}

with

rated as (

    select * from {{ of_billing_period(ref('int_usage__rated')) }}
    where rating_status in ('rated', 'unattributed_usage')

),

invoice_lines as (

    select * from {{ of_billing_period(ref('fct_invoice_lines')) }}

),

machines as (

    select * from {{ ref('stg_reference__machines') }}
    where quarantine_reason is null

),

clusters as (

    select * from {{ ref('scheduler_clusters') }}

),

sites as (

    select * from {{ ref('energy_sites') }}

),

rules as (

    select * from {{ ref('capacity_cost_rules') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

hourly_energy as (

    select * from {{ ref('int_energy__hourly') }}

),

vendor_groups as (

    select * from {{ of_billing_period(ref('fct_vendor_reconciliation')) }}

),

vendor_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status = 'canonical'

),

rate_cards as (

    select * from {{ ref('vendor_rate_cards') }}
    where vendor_sku_id = 'power_kwh'
        and effective_from <= {{ billing_period_start() }}
        and coalesce(effective_to, cast('infinity' as timestamp)) > {{ billing_period_start() }}

),

-- capacity of every rated piece: the dedicated machine, or the cluster that ran it
rated_capacity as (

    select
        rated.*,
        case when rated.subject_type = 'machine' then 'machine' else 'cluster_' || rated.source_kind end
            as capacity_type,
        case when rated.subject_type = 'machine' then rated.subject_id else rated.source_id end
            as capacity_id,
        case when rated.subject_type = 'machine' then machines.site_id else clusters.site_id end as site_id,
    from rated
    left join machines
        on rated.subject_type = 'machine'
            and rated.subject_id = machines.machine_id
    left join clusters
        on rated.subject_type <> 'machine'
            and rated.source_id = clusters.cluster_id

),

-- revenue, step 1: the rated base quantity behind each capacity, per customer, SKU and price version
rated_pieces as (

    select
        customer_id,
        sku_id,
        price_list_version,
        capacity_type,
        capacity_id,
        site_id,
        sum(quantity_base) as quantity_base,
    from rated_capacity
    where rating_status = 'rated'
    group by all

),

usage_keys as (

    select distinct
        customer_id,
        sku_id,
        price_list_version,
    from rated_pieces

),

-- a line belongs to usage when its customer, SKU and price version has rated pieces: all tiers,
-- the included quantity and the committed-use discount of that SKU together
line_kinds as (

    select
        invoice_lines.*,
        usage_keys.sku_id is not null as is_usage_line,
    from invoice_lines
    left join usage_keys
        on invoice_lines.customer_id = usage_keys.customer_id
            and invoice_lines.sku_id = usage_keys.sku_id
            and invoice_lines.price_list_version = usage_keys.price_list_version

),

usage_lines as (

    select
        customer_id,
        sku_id,
        price_list_version,
        currency_code,
        minor_units,
        sum(net_amount_minor) as net_minor,
    from line_kinds
    where is_usage_line
    group by all

),

usage_weights as (

    select
        usage_lines.customer_id,
        usage_lines.sku_id,
        usage_lines.price_list_version,
        usage_lines.currency_code,
        usage_lines.minor_units,
        usage_lines.net_minor,
        rated_pieces.capacity_type,
        rated_pieces.capacity_id,
        rated_pieces.site_id,
        {{ decimal_to_scaled_integer('rated_pieces.quantity_base') }} as weight,
        sum({{ decimal_to_scaled_integer('rated_pieces.quantity_base') }}) over (
            partition by usage_lines.customer_id, usage_lines.sku_id, usage_lines.price_list_version
        ) as weight_total,
    from usage_lines
    inner join rated_pieces
        on usage_lines.customer_id = rated_pieces.customer_id
            and usage_lines.sku_id = rated_pieces.sku_id
            and usage_lines.price_list_version = rated_pieces.price_list_version

),

-- step 2: a SKU's usage lines spread over its capacities pro rata of base quantity
usage_revenue as (

    select
        customer_id,
        capacity_type,
        capacity_id,
        site_id,
        currency_code,
        minor_units,
        {{ largest_remainder_share(
            'net_minor', 'weight', 'weight_total',
            'customer_id, sku_id, price_list_version', 'capacity_type, capacity_id'
        ) }} as revenue_minor,
    from usage_weights
    where weight_total > 0

),

capacity_usage_revenue as (

    select
        customer_id,
        capacity_type,
        capacity_id,
        site_id,
        currency_code,
        minor_units,
        sum(revenue_minor) as revenue_minor,
        sum(sum(revenue_minor)) over (partition by customer_id) as customer_revenue_minor,
    from usage_revenue
    group by customer_id, capacity_type, capacity_id, site_id, currency_code, minor_units

),

-- step 3: lines without usage of their own (platform fee, minimum-commitment true-up, ...)
other_lines as (

    select
        customer_id,
        currency_code,
        minor_units,
        sum(net_amount_minor) as net_minor,
    from line_kinds
    where not is_usage_line
    group by all

),

-- spread over the customer's capacities pro rata of their usage revenue; a customer with no
-- usage revenue keeps them on one row of capacity type `customer`
other_weights as (

    select
        other_lines.customer_id,
        coalesce(capacity_usage_revenue.capacity_type, 'customer') as capacity_type,
        capacity_usage_revenue.capacity_id,
        capacity_usage_revenue.site_id,
        other_lines.currency_code,
        other_lines.minor_units,
        other_lines.net_minor,
        coalesce(capacity_usage_revenue.revenue_minor, 1) as weight,
        coalesce(capacity_usage_revenue.customer_revenue_minor, 1) as weight_total,
    from other_lines
    left join capacity_usage_revenue
        on other_lines.customer_id = capacity_usage_revenue.customer_id
            and capacity_usage_revenue.customer_revenue_minor > 0

),

other_revenue as (

    select
        customer_id,
        capacity_type,
        capacity_id,
        site_id,
        currency_code,
        minor_units,
        {{ largest_remainder_share(
            'net_minor', 'weight', 'weight_total', 'customer_id', 'capacity_type, capacity_id'
        ) }} as revenue_minor,
    from other_weights

),

revenue_shares as (

    select * from usage_revenue
    union all
    select * from other_revenue

),

revenue as (

    select
        customer_id,
        capacity_type,
        capacity_id,
        site_id,
        currency_code,
        min(minor_units) as minor_units,
        sum(revenue_minor) as revenue_minor,
    from revenue_shares
    group by all

),

-- cost of colocation machines: energy at the billed (else contracted) power price + equal space share
site_power_price as (

    select
        sites.site_id,
        sites.vendor_id,
        coalesce(power.billed_unit_price, rate_cards.unit_price) as power_unit_price,
        rate_cards.currency_code,
    from sites
    inner join rate_cards
        on sites.vendor_id = rate_cards.vendor_id
    left join vendor_groups as power
        on sites.vendor_id = power.vendor_id
            and sites.site_id = power.site_id
            and power.vendor_sku_id = 'power_kwh'

),

site_fixed_cost as (

    select
        site_id,
        vendor_id,
        min(currency_code) as currency_code,
        sum(billed_amount) as fixed_amount,
    from vendor_groups
    where site_id is not null
        and vendor_sku_id in ('space_rack_month', 'cross_connect_month')
    group by site_id, vendor_id

),

machine_energy as (

    select
        machines.machine_id,
        machines.site_id,
        machines.billing_mode,
        sum(hourly_energy.energy_joules + hourly_energy.held_energy_joules) as energy_joules,
    from machines
    left join hourly_energy
        on machines.site_id = hourly_energy.site_id
            and machines.meter_id = hourly_energy.meter_id
            and hourly_energy.hour_start_at >= {{ billing_period_start() }}
            and hourly_energy.hour_start_at < {{ billing_period_end() }}
    group by all

),

machine_cost as (

    select
        machine_energy.machine_id,
        machine_energy.site_id,
        machine_energy.billing_mode,
        site_power_price.currency_code,
        currencies.minor_units,
        coalesce({{ rate_amount_minor(
            'coalesce(machine_energy.energy_joules, 0)', 'site_power_price.power_unit_price',
            'currencies.minor_units', 3600000
        ) }}, 0) as energy_cost_minor,
        coalesce({{ round_half_even_div(
            amount_to_minor_units('site_fixed_cost.fixed_amount', 'currencies.minor_units'),
            'count(*) over (partition by machine_energy.site_id)'
        ) }}, 0) as fixed_cost_minor,
    from machine_energy
    inner join site_power_price
        on machine_energy.site_id = site_power_price.site_id
    inner join currencies
        on site_power_price.currency_code = currencies.currency_code
    left join site_fixed_cost
        on machine_energy.site_id = site_fixed_cost.site_id

),

capacity_cost as (

    select
        case when machine_cost.billing_mode = 'shared' then 'cluster_slurm' else 'machine' end
            as capacity_type,
        case
            when machine_cost.billing_mode = 'shared' then clusters.cluster_id else machine_cost.machine_id
        end
            as capacity_id,
        machine_cost.site_id,
        machine_cost.currency_code,
        min(machine_cost.minor_units) as minor_units,
        sum(machine_cost.energy_cost_minor) as energy_cost_minor,
        sum(machine_cost.fixed_cost_minor) as fixed_cost_minor,
    from machine_cost
    left join clusters
        on machine_cost.billing_mode = 'shared'
            and machine_cost.site_id = clusters.site_id
            and clusters.scheduler = 'slurm'
    group by all
    union all
    select
        'cluster_opencost' as capacity_type,
        clusters.cluster_id as capacity_id,
        cast(null as varchar) as site_id,
        min(vendor_lines.currency_code) as currency_code,
        min(currencies.minor_units) as minor_units,
        0 as energy_cost_minor,
        sum({{ amount_to_minor_units('vendor_lines.billed_amount', 'currencies.minor_units') }})
            as fixed_cost_minor,
    from clusters
    inner join vendor_lines
        on vendor_lines.source_kind = 'focus'
    inner join currencies
        on vendor_lines.currency_code = currencies.currency_code
    where clusters.scheduler = 'opencost'
    group by clusters.cluster_id

),

-- each capacity's cost shared among its customers by the rule's allocation SKU
usage_shares as (

    select
        rated_capacity.capacity_type,
        rated_capacity.capacity_id,
        rated_capacity.customer_id,
        sum(rated_capacity.quantity_base) as quantity_base,
    from rated_capacity
    inner join rules
        on rated_capacity.capacity_type = rules.capacity_type
            and rated_capacity.sku_id = rules.allocation_sku_id
    group by all

),

shares as (

    select
        *,
        sum(quantity_base) over (partition by capacity_type, capacity_id) as capacity_quantity_base,
    from usage_shares

),

allocated_cost as (

    select
        capacity_cost.capacity_type,
        capacity_cost.capacity_id,
        capacity_cost.site_id,
        shares.customer_id,
        capacity_cost.currency_code,
        capacity_cost.minor_units,
        coalesce({{ round_half_even_div(
            'cast(capacity_cost.energy_cost_minor + capacity_cost.fixed_cost_minor as ' ~ exact_integer_type() ~ ') * '
                ~ decimal_to_scaled_integer('shares.quantity_base'),
            decimal_to_scaled_integer('shares.capacity_quantity_base')
        ) }}, capacity_cost.energy_cost_minor + capacity_cost.fixed_cost_minor) as cost_minor,
    from capacity_cost
    left join shares
        on capacity_cost.capacity_type = shares.capacity_type
            and capacity_cost.capacity_id = shares.capacity_id

),

period_end_rates as (

    select * from {{ ref('int_fx_rates__daily') }}
    where rate_date = {{ billing_period_last_day() }}

),

joined as (

    select
        coalesce(revenue.customer_id, allocated_cost.customer_id) as customer_id,
        coalesce(revenue.site_id, allocated_cost.site_id) as site_id,
        coalesce(revenue.capacity_type, allocated_cost.capacity_type) as capacity_type,
        coalesce(revenue.capacity_id, allocated_cost.capacity_id) as capacity_id,
        revenue.currency_code as revenue_currency_code,
        revenue.minor_units as revenue_minor_units,
        revenue.revenue_minor,
        allocated_cost.currency_code as cost_currency_code,
        allocated_cost.minor_units as cost_minor_units,
        allocated_cost.cost_minor,
    from revenue
    full outer join allocated_cost
        on revenue.customer_id is not distinct from allocated_cost.customer_id
            and revenue.capacity_type = allocated_cost.capacity_type
            and revenue.capacity_id = allocated_cost.capacity_id

),

converted as (

    -- the cost currency's rate into the revenue currency, else the inverse pair's rate
    select
        joined.*,
        coalesce(direct.rate, inverse.rate) as cost_fx_rate,
        case
            when direct.rate is not null then direct.base_currency || '/' || direct.quote_currency
            when inverse.rate is not null then inverse.base_currency || '/' || inverse.quote_currency
        end as cost_fx_pair,
        case
            when joined.revenue_currency_code = joined.cost_currency_code
                or joined.revenue_currency_code is null
                or joined.cost_currency_code is null
                then coalesce(joined.cost_minor, 0)
            -- cost minor units x rate (or / inverse rate) into the revenue's minor units, rounded once
            when direct.rate is not null
                then {{ round_half_even_div(
                    'cast(joined.cost_minor as ' ~ exact_integer_type() ~ ') * ' ~ decimal_to_scaled_integer('direct.rate')
                        ~ ' * ' ~ power_of_ten('joined.revenue_minor_units'),
                    power_of_ten(6) ~ ' * ' ~ power_of_ten('joined.cost_minor_units')
                ) }}
            when inverse.rate is not null
                then {{ round_half_even_div(
                    'cast(joined.cost_minor as ' ~ exact_integer_type() ~ ') * ' ~ power_of_ten(6)
                        ~ ' * ' ~ power_of_ten('joined.revenue_minor_units'),
                    decimal_to_scaled_integer('inverse.rate') ~ ' * ' ~ power_of_ten('joined.cost_minor_units')
                ) }}
        end as cost_in_margin_currency_minor,
    from joined
    left join period_end_rates as direct
        on joined.revenue_currency_code <> joined.cost_currency_code
            and joined.cost_currency_code = direct.base_currency
            and joined.revenue_currency_code = direct.quote_currency
    left join period_end_rates as inverse
        on joined.revenue_currency_code <> joined.cost_currency_code
            and joined.revenue_currency_code = inverse.base_currency
            and joined.cost_currency_code = inverse.quote_currency

),

final as (

    select
        {{ stable_hash([billing_period_literal(), 'customer_id', 'capacity_type', 'capacity_id']) }}
            as margin_line_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(customer_id as varchar) as customer_id,
        cast(site_id as varchar) as site_id,
        cast(capacity_type as varchar) as capacity_type,
        cast(capacity_id as varchar) as capacity_id,
        cast(case when capacity_type = 'machine' then capacity_id end as varchar) as machine_id,
        cast(revenue_currency_code as varchar) as revenue_currency_code,
        {{ minor_units_to_amount('coalesce(revenue_minor, 0)', 'coalesce(revenue_minor_units, 2)') }}
            as revenue_amount,
        cast(cost_currency_code as varchar) as cost_currency_code,
        {{ minor_units_to_amount('coalesce(cost_minor, 0)', 'coalesce(cost_minor_units, 2)') }}
            as cost_amount,
        cast(cost_fx_pair as varchar) as cost_fx_pair,
        cast(cost_fx_rate as decimal(18, 6)) as cost_fx_rate,
        {{ minor_units_to_amount(
            'cost_in_margin_currency_minor', 'coalesce(revenue_minor_units, cost_minor_units)'
        ) }} as cost_in_margin_currency_amount,
        {{ minor_units_to_amount(
            'coalesce(revenue_minor, 0) - cost_in_margin_currency_minor',
            'coalesce(revenue_minor_units, cost_minor_units)'
        ) }} as margin_amount,
        cast(coalesce(revenue_currency_code, cost_currency_code) as varchar) as margin_currency_code,
    from converted

)

select * from final
