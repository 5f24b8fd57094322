-- A table, not a view: its data tests and the models downstream read it many times a run.
{{ config(materialized='table') }}

{#-
    What each vendor should bill us for the billing period (contract section 5), one row per
    expected line, each amount rounded half-even once (the rating macro):
    - FOCUS cloud lines: PricingQuantity x the contracted unit price of the vendor rate card
      version in force at ChargePeriodStart (same currency), per billed canonical line;
    - colocation power (`power_kwh`): the energy all our meters at the vendor's site measured
      (dedicated and shared, including counter energy held across gaps) during the billed
      power lines' service window, or the whole month when the vendor billed no power;
    - colocation space and cross-connects: the `vendor_contract_items` quantity in force at
      the period start, per month.
    Expected lines carry the same reconciliation key as the billed lines they answer.
-#}

with

billed_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status = 'canonical'

),

rate_cards as (

    select * from {{ ref('vendor_rate_cards') }}

),

units as (

    select * from {{ ref('units') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

sites as (

    select * from {{ ref('energy_sites') }}

),

contract_items as (

    select * from {{ ref('vendor_contract_items') }}
    where effective_from <= {{ billing_period_start() }}
        and coalesce(effective_to, cast('infinity' as timestamp)) > {{ billing_period_start() }}

),

hourly_energy as (

    select * from {{ ref('int_energy__hourly') }}

),

focus_expected as (

    select
        billed_lines.reconciliation_key,
        billed_lines.vendor_id,
        billed_lines.vendor_sku_id,
        billed_lines.vendor_item_code,
        cast(null as varchar) as site_id,
        billed_lines.resource_id,
        billed_lines.charge_period_start_at,
        billed_lines.charge_period_end_at,
        billed_lines.billed_quantity as expected_quantity,
        billed_lines.billed_quantity as expected_quantity_base,
        cast(1 as bigint) as base_units_per_pricing_unit,
        billed_lines.source_file,
        billed_lines.source_row,
    from billed_lines
    where billed_lines.source_kind in ({{ vendor_source_kinds('charge_period') }})
        and billed_lines.vendor_sku_id is not null
        and billed_lines.billed_quantity is not null

),

colo_power_windows as (

    select
        sites.vendor_id,
        sites.site_id,
        coalesce(min(billed_lines.charge_period_start_at), {{ billing_period_start() }}) as window_start_at,
        coalesce(max(billed_lines.charge_period_end_at), {{ billing_period_end() }}) as window_end_at,
    from sites
    left join billed_lines
        on sites.vendor_id = billed_lines.vendor_id
            and sites.site_id = billed_lines.site_id
            and billed_lines.vendor_sku_id = 'power_kwh'
    group by sites.vendor_id, sites.site_id

),

colo_power_expected as (

    select
        {{ stable_hash([
            'colo_power_windows.vendor_id', "'power_kwh'", 'colo_power_windows.site_id',
            'cast(null as varchar)', 'cast(null as timestamp)', 'cast(null as timestamp)',
        ]) }} as reconciliation_key,
        colo_power_windows.vendor_id,
        'power_kwh' as vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        colo_power_windows.site_id,
        cast(null as varchar) as resource_id,
        colo_power_windows.window_start_at as charge_period_start_at,
        colo_power_windows.window_end_at as charge_period_end_at,
        cast(null as decimal(38, 6)) as expected_quantity,
        sum(hourly_energy.energy_joules + hourly_energy.held_energy_joules) as expected_quantity_base,
        cast(null as bigint) as base_units_per_pricing_unit,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
    from colo_power_windows
    inner join hourly_energy
        on colo_power_windows.site_id = hourly_energy.site_id
            and colo_power_windows.window_start_at <= hourly_energy.hour_start_at
            and colo_power_windows.window_end_at > hourly_energy.hour_start_at
    group by all

),

contract_expected as (

    select
        {{ stable_hash([
            'vendor_id', 'vendor_sku_id', 'site_id',
            'cast(null as varchar)', 'cast(null as timestamp)', 'cast(null as timestamp)',
        ]) }} as reconciliation_key,
        vendor_id,
        vendor_sku_id,
        cast(null as varchar) as vendor_item_code,
        site_id,
        cast(null as varchar) as resource_id,
        {{ billing_period_start() }} as charge_period_start_at,
        {{ billing_period_end() }} as charge_period_end_at,
        contracted_quantity as expected_quantity,
        contracted_quantity as expected_quantity_base,
        cast(null as bigint) as base_units_per_pricing_unit,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
    from contract_items

),

expected as (

    select * from focus_expected
    union all
    select * from colo_power_expected
    union all
    select * from contract_expected

),

priced as (

    select
        expected.*,
        rate_cards.rate_card_version,
        rate_cards.unit_price,
        rate_cards.currency_code,
        rate_cards.pricing_unit,
        coalesce(expected.base_units_per_pricing_unit, units.base_units_per_pricing_unit)
            as rated_base_units_per_pricing_unit,
        currencies.minor_units,
    from expected
    inner join rate_cards
        on expected.vendor_id = rate_cards.vendor_id
            and expected.vendor_sku_id = rate_cards.vendor_sku_id
            and expected.charge_period_start_at >= rate_cards.effective_from
            and coalesce(rate_cards.effective_to, cast('infinity' as timestamp))
            > expected.charge_period_start_at
    inner join units
        on rate_cards.pricing_unit = units.pricing_unit
    inner join currencies
        on rate_cards.currency_code = currencies.currency_code

),

amounts as (

    select
        *,
        {{ rate_amount_minor(
            'expected_quantity_base', 'unit_price', 'minor_units', 'rated_base_units_per_pricing_unit'
        ) }} as expected_amount_minor,
    from priced

),

final as (

    select
        {{ stable_hash([
            'reconciliation_key', 'source_file', 'source_row',
        ]) }} as expected_charge_id,
        reconciliation_key,
        {{ billing_period_literal() }} as billing_period,
        vendor_id,
        vendor_sku_id,
        vendor_item_code,
        site_id,
        resource_id,
        charge_period_start_at,
        charge_period_end_at,
        coalesce(
            expected_quantity,
            {{ to_pricing_units('expected_quantity_base', 'rated_base_units_per_pricing_unit') }}
        ) as expected_quantity,
        expected_quantity_base,
        pricing_unit,
        rate_card_version,
        unit_price,
        currency_code,
        minor_units,
        expected_amount_minor,
        {{ minor_units_to_amount('expected_amount_minor', 'minor_units') }} as expected_amount,
        source_file,
        source_row,
    from amounts

)

select * from final
