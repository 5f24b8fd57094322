{{ config(materialized='incremental', incremental_strategy='replace_period') }}

{#-
    Attributed usage pieces priced for the billing period (contract section 4, pricing), in
    one pass:
    - late lines (ended at or before the period start) are `late_usage`, not billed here;
    - interval pieces are clipped to the period and split to the second at every
      price-list version change; start pieces belong to the period when they start in it
      and take the version in force at their start;
    - pieces without a customer are `unattributed_usage`;
    - pieces whose customer's price list has no version in force for the SKU, or whose
      price is in another unit than the usage, are `price_missing`;
    - estimated pieces (energy an `estimate` site filled in across a meter gap) are billed,
      flagged `is_estimated`, only where the version's pricing terms set
      allow_estimated_usage; otherwise `estimate_not_allowed`, never billed;
    - pass-through pieces cost the vendor rate card in force at their start: for energy, of
      the vendor of the machine's own site (seeds energy_sites), else of the vendor the
      pricing terms name; a cost in another currency or unit than the price is `price_missing`;
    - pieces priced in another currency than the customer is invoiced in take the FX rate
      the price list's policy declares (seeds/rating/fx_policies.csv: the piece's UTC start
      date or the period's last day) from int_fx_rates__daily; without a valid rate
      they are `fx_rate_missing` (never a guessed rate). Conversion is supported for the
      per-unit, graduated and volume models without a committed-use discount; other models
      in a foreign currency are `price_missing`.
    Every rated piece pins its price list, version, unit price, currency and units.
    No amount is computed here: rating rounds once per invoice line (fct_invoice_lines).
    A table: invoice lines, control totals, exceptions and the tests all read it.
-#}

with

pieces as (

    select * from {{ ref('int_usage__attributed') }}

),

customers as (

    select * from {{ ref('stg_reference__customers') }}
    where quarantine_reason is null

),

price_segments as (

    select * from {{ ref('int_price_lists__segmented') }}

),

pricing_terms as (

    select * from {{ ref('customer_pricing_terms') }}

),

vendor_rates as (

    select * from {{ ref('vendor_rate_cards') }}

),

energy_sites as (

    select * from {{ ref('energy_sites') }}

),

fx_policies as (

    select * from {{ ref('fx_policies') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates__daily') }}

),

clipped as (

    select
        pieces.*,
        case
            when pieces.attribution_mode = 'interval' and not pieces.is_late_usage
                then greatest(pieces.piece_start_at, {{ billing_period_start() }})
            else pieces.piece_start_at
        end as clipped_start_at,
        case
            when pieces.attribution_mode = 'interval' and not pieces.is_late_usage
                then least(pieces.piece_end_at, {{ billing_period_end() }})
            else pieces.piece_end_at
        end as clipped_end_at,
        customers.price_list_id as customer_price_list_id,
        customers.currency_code as customer_currency_code,
    from pieces
    left join customers
        on pieces.customer_id = customers.customer_id
            and pieces.attribution_status = 'attributed'
    where pieces.is_late_usage
        or (
            pieces.attribution_mode = 'interval'
            and pieces.piece_start_at < {{ billing_period_end() }}
            and pieces.piece_end_at > {{ billing_period_start() }}
        )
        or (
            pieces.attribution_mode = 'start'
            and pieces.piece_start_at >= {{ billing_period_start() }}
            and pieces.piece_start_at < {{ billing_period_end() }}
        )

),

priced as (

    select
        clipped.*,
        {{ usage_piece_start(
            'clipped.attribution_mode', 'price_segments.segment_start_at', 'clipped.clipped_start_at'
        ) }}
            as rated_start_at,
        {{ usage_piece_end(
            'clipped.attribution_mode', 'price_segments.segment_end_at', 'clipped.clipped_end_at'
        ) }}
            as rated_end_at,
        price_segments.segment_start_at is not null as has_price_segment,
        price_segments.price_list_version,
        price_segments.unit_price,
        price_segments.currency_code as price_currency_code,
        price_segments.pricing_unit,
        price_segments.base_unit as price_base_unit,
        price_segments.base_units_per_pricing_unit,
    from clipped
    left join price_segments
        on clipped.customer_price_list_id = price_segments.price_list_id
            and clipped.sku_id = price_segments.sku_id
            and not clipped.is_late_usage
            and price_segments.segment_start_at < case
                when clipped.attribution_mode = 'interval' then clipped.clipped_end_at
                else clipped.clipped_start_at + interval 1 microsecond
            end
            and clipped.clipped_start_at < price_segments.segment_end_at

),

termed as (

    select
        priced.*,
        coalesce(pricing_terms.pricing_model, 'per_unit') as pricing_model,
        pricing_terms.package_size,
        pricing_terms.included_quantity,
        pricing_terms.committed_quantity,
        pricing_terms.committed_discount_rate,
        pricing_terms.markup_rate,
        coalesce(pricing_terms.allow_estimated_usage, false) as allow_estimated_usage,
        -- energy is passed through at the cost of the site the machine stands in
        coalesce(energy_sites.vendor_id, pricing_terms.cost_vendor_id) as cost_vendor_id,
        pricing_terms.cost_vendor_sku_id,
        vendor_rates.rate_card_version as cost_rate_card_version,
        vendor_rates.unit_price as cost_unit_price,
        vendor_rates.currency_code as cost_currency_code,
        vendor_rates.pricing_unit as cost_pricing_unit,
    from priced
    left join pricing_terms
        on priced.customer_price_list_id = pricing_terms.price_list_id
            and priced.price_list_version = pricing_terms.price_list_version
            and priced.sku_id = pricing_terms.sku_id
    left join energy_sites
        on pricing_terms.pricing_model = 'pass_through'
            and priced.source_kind like 'energy_%'
            and priced.source_id = energy_sites.site_id
    -- Pass-through: the cost is the vendor rate card in force at the piece's start, of the
    -- energy site's vendor for energy (a machine in Helsinki at the Helsinki vendor's cost,
    -- whatever vendor the price list names), else of the vendor the pricing terms name.
    left join vendor_rates
        on pricing_terms.pricing_model = 'pass_through'
            and coalesce(energy_sites.vendor_id, pricing_terms.cost_vendor_id) = vendor_rates.vendor_id
            and pricing_terms.cost_vendor_sku_id = vendor_rates.vendor_sku_id
            and priced.rated_start_at >= vendor_rates.effective_from
            and coalesce(vendor_rates.effective_to, cast('infinity' as timestamp)) > priced.rated_start_at

),

fx_dated as (

    select
        termed.*,
        termed.price_currency_code <> termed.customer_currency_code as needs_fx,
        -- conversion is defined for per-unit, graduated and volume prices without a discount
        termed.pricing_model in ('per_unit', 'graduated', 'volume')
        and coalesce(termed.committed_quantity, 0) = 0 as is_fx_convertible,
        fx_policies.fx_rate_policy,
        case
            when termed.price_currency_code = termed.customer_currency_code then null
            when fx_policies.fx_rate_policy = 'usage_date' then cast(termed.rated_start_at as date)
            when fx_policies.fx_rate_policy = 'period_end'
                then {{ billing_period_last_day() }}
        end as fx_rate_date,
    from termed
    left join fx_policies
        on termed.customer_price_list_id = fx_policies.price_list_id

),

converted as (

    select
        fx_dated.*,
        fx_rates.rate as fx_rate,
        fx_rates.rate_source as fx_source,
    from fx_dated
    left join fx_rates
        on fx_dated.needs_fx
            and fx_dated.price_currency_code = fx_rates.base_currency
            and fx_dated.customer_currency_code = fx_rates.quote_currency
            and fx_dated.fx_rate_date = fx_rates.rate_date

),

statused as (

    select
        *,
        case
            when is_late_usage then 'late_usage'
            when
                attribution_status <> 'attributed' or customer_price_list_id is null
                then 'unattributed_usage'
            when price_list_version is null then 'price_missing'
            when needs_fx and not is_fx_convertible
                then 'price_missing'
            when (price_base_unit is distinct from base_unit) then 'price_missing'
            when pricing_model = 'pass_through'
                and (
                    cost_unit_price is null
                    or cost_currency_code <> price_currency_code
                    or cost_pricing_unit <> pricing_unit
                )
                then 'price_missing'
            when is_estimated and not allow_estimated_usage then 'estimate_not_allowed'
            when needs_fx and fx_rate is null then 'fx_rate_missing'
            else 'rated'
        end as rating_status,
    from converted

),

final as (

    select
        {{ stable_hash(['usage_line_id', 'rated_start_at', 'rating_status']) }} as rated_usage_id,
        {{ billing_period_literal() }} as billing_period,
        usage_line_id,
        source_kind,
        source_id,
        source_file,
        source_row,
        job_id,
        subject_type,
        subject_id,
        sku_id,
        base_unit,
        attribution_mode,
        usage_start_at,
        usage_end_at,
        rated_start_at,
        rated_end_at,
        case
            when attribution_mode = 'interval'
                then cast(
                        units_per_second * date_diff('second', rated_start_at, rated_end_at) as decimal(38, 6)
                    )
            else quantity_base
        end as quantity_base,
        is_estimated,
        assignment_id,
        customer_id,
        attribution_status,
        case when rating_status = 'rated' then customer_price_list_id end as price_list_id,
        case when rating_status = 'rated' then price_list_version end as price_list_version,
        case when rating_status = 'rated' then unit_price end as unit_price,
        case when rating_status = 'rated' then price_currency_code end as currency_code,
        case when rating_status = 'rated' then pricing_unit end as pricing_unit,
        case when rating_status = 'rated' then base_units_per_pricing_unit end as base_units_per_pricing_unit,
        case when rating_status = 'rated' then pricing_model end as pricing_model,
        case when rating_status = 'rated' then package_size end as package_size,
        case when rating_status = 'rated' then included_quantity end as included_quantity,
        case when rating_status = 'rated' then committed_quantity end as committed_quantity,
        case when rating_status = 'rated' then committed_discount_rate end as committed_discount_rate,
        case when rating_status = 'rated' then markup_rate end as markup_rate,
        case when rating_status = 'rated' then cost_vendor_id end as cost_rate_card_id,
        case when rating_status = 'rated' then cost_rate_card_version end as cost_rate_card_version,
        case when rating_status = 'rated' then cost_unit_price end as cost_unit_price,
        case when rating_status = 'rated' then customer_currency_code end as invoice_currency_code,
        case when rating_status = 'rated' and needs_fx then fx_rate_policy end as fx_rate_policy,
        case when rating_status = 'rated' and needs_fx then fx_rate_date end as fx_rate_date,
        case when rating_status = 'rated' and needs_fx then fx_rate end as fx_rate,
        case when rating_status = 'rated' and needs_fx then fx_source end as fx_source,
        rating_status,
        case rating_status
            when 'late_usage'
                then 'usage ended ' || strftime(usage_end_at, '%Y-%m-%dT%H:%M:%SZ')
                    || ', at or before the period start'
            when 'unattributed_usage'
                then coalesce(attribution_detail, 'customer ' || customer_id || ' is not a valid customer')
            when 'price_missing'
                then case
                        when price_list_version is null
                            then 'price list ' || customer_price_list_id || ' has no price for ' || sku_id
                                || ' at ' || strftime(rated_start_at, '%Y-%m-%dT%H:%M:%SZ')
                        when needs_fx and not is_fx_convertible
                            then 'price list ' || customer_price_list_id || ' prices ' || sku_id || ' in '
                                || price_currency_code
                                || ', customer is invoiced in '
                                || customer_currency_code
                                || '; FX conversion is not supported for the ' || pricing_model
                                || ' model or a committed-use discount'
                        when pricing_model = 'pass_through'
                            and (price_base_unit is not distinct from base_unit)
                            then 'price list ' || customer_price_list_id || ' passes ' || sku_id
                                || ' through at ' || cost_vendor_id || '/' || cost_vendor_sku_id
                                || ', which has no ' || price_currency_code || ' per ' || pricing_unit
                                || ' rate at ' || strftime(rated_start_at, '%Y-%m-%dT%H:%M:%SZ')
                        else 'price list ' || customer_price_list_id || ' prices ' || sku_id || ' per '
                            || pricing_unit || ', usage is in ' || base_unit
                    end
            when 'estimate_not_allowed'
                then 'estimated ' || sku_id || ' of ' || subject_type || ' ' || subject_id || ' at '
                    || strftime(rated_start_at, '%Y-%m-%dT%H:%M:%SZ') || ': price list '
                    || customer_price_list_id || ' v' || cast(price_list_version as varchar)
                    || ' does not allow estimated usage (customer_pricing_terms.allow_estimated_usage);'
                    || ' not billed until real readings replace the estimate'
            when 'fx_rate_missing'
                then case
                        when fx_rate_policy is null
                            then 'price list ' || customer_price_list_id || ' prices ' || sku_id || ' in '
                                || price_currency_code
                                || ', customer is invoiced in '
                                || customer_currency_code
                                || ', and the price list declares no FX policy (seeds/rating/fx_policies.csv)'
                        else 'no valid ' || price_currency_code || '/' || customer_currency_code
                            || ' rate for ' || strftime(fx_rate_date, '%Y-%m-%d') || ' (' || fx_rate_policy
                            || ' policy of price list ' || customer_price_list_id || ') in reference/fx_rates'
                    end
        end as rating_detail,
    from statused

)

select * from final
