{#-
    Vendor bills checked against what meterline expected (contract section 5), one row per
    match group: (vendor, vendor SKU, site or resource, charge period) of the billing period.
    A match group is the deterministic reconciliation key; it holds any number of billed lines
    and any number of expected lines (one billed line covering several expected lines, or the
    reverse), listed line by line in int_vendor_reconciliation__lines.
    Billed side: every in-period canonical and double-billed line. Expected side:
    int_vendor_charges__expected. Tolerance per vendor and SKU (the SKU row wins over the
    vendor row) = max(absolute_tolerance, relative_tolerance x |expected|), half-even to minor
    units, judged on the money variance. Status, first that applies:
      sku_unmapped, double_billed, late_adjustment (correction lines or a charge
      period that ended before the billing period), period_drift (a FOCUS charge window
      outside the billing period or off the UTC day grid), missing_in_bill,
      unexpected_charge, matched (variance 0), rounding (|variance| <= the declared minor
      units per line), within_tolerance, rate_mismatch (quantity right, unit price not the
      rate card's), quantity_mismatch (unit price right, quantity not), over_billed /
      under_billed (anything else beyond tolerance).
-#}

with

billed_lines as (

    select * from {{ ref('int_vendor_charges__unified') }}
    where row_status in ('canonical', 'duplicate')
        and is_in_period

),

expected_lines as (

    select * from {{ ref('int_vendor_charges__expected') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

tolerances as (

    select * from {{ ref('reconciliation_tolerances') }}

),

billed as (

    select
        reconciliation_key,
        min(source_kind) as source_kind,
        min(vendor_id) as vendor_id,
        min(vendor_sku_id) as vendor_sku_id,
        string_agg(distinct vendor_item_code, ', ' order by vendor_item_code) as vendor_item_code,
        min(site_id) as site_id,
        min(resource_id) as resource_id,
        min(charge_period_start_at) as charge_period_start_at,
        max(charge_period_end_at) as charge_period_end_at,
        min(currency_code) as currency_code,
        count(distinct currency_code) as currency_count,
        sum(billed_quantity) as billed_quantity,
        sum(billed_amount) as billed_amount_exact,
        min(billed_unit_price) as billed_unit_price,
        count(distinct billed_unit_price) as billed_unit_price_count,
        count(*) as billed_line_count,
        count_if(row_status = 'duplicate') as duplicate_line_count,
        -- a correction (FOCUS ChargeClass) or a charge for a window that ended before the period;
        -- an in-period credit is judged like any other line against what was expected
        count_if(
            coalesce(charge_class = 'Correction', false)
            or charge_period_end_at <= {{ billing_period_start() }}
        ) as adjustment_line_count,
        count_if(
            source_kind = 'focus'
            and (
                charge_period_start_at < {{ billing_period_start() }}
                or charge_period_end_at > {{ billing_period_end() }}
                or (
                    date_diff('second', charge_period_start_at, charge_period_end_at) % 86400 = 0
                    and date_trunc('day', charge_period_start_at) <> charge_period_start_at
                )
            )
        ) as drifted_line_count,
        min({ 'source_file': source_file, 'source_row': source_row }) as first_billed_line,
    from billed_lines
    group by reconciliation_key

),

expected as (

    select
        reconciliation_key,
        min(vendor_id) as vendor_id,
        min(vendor_sku_id) as vendor_sku_id,
        min(site_id) as site_id,
        min(resource_id) as resource_id,
        min(charge_period_start_at) as charge_period_start_at,
        max(charge_period_end_at) as charge_period_end_at,
        min(currency_code) as currency_code,
        max(rate_card_version) as rate_card_version,
        min(unit_price) as expected_unit_price,
        sum(expected_quantity) as expected_quantity,
        sum(expected_amount_minor) as expected_amount_minor,
        count(*) as expected_line_count,
    from expected_lines
    group by reconciliation_key

),

joined as (

    select
        coalesce(billed.reconciliation_key, expected.reconciliation_key) as reconciliation_key,
        -- expected lines without a billed line are colocation lines (FOCUS expectations answer billed lines)
        coalesce(billed.source_kind, 'colo') as source_system,
        coalesce(billed.vendor_id, expected.vendor_id) as vendor_id,
        coalesce(billed.vendor_sku_id, expected.vendor_sku_id) as vendor_sku_id,
        billed.vendor_item_code,
        coalesce(billed.site_id, expected.site_id) as site_id,
        coalesce(billed.resource_id, expected.resource_id) as resource_id,
        coalesce(expected.charge_period_start_at, billed.charge_period_start_at) as charge_period_start_at,
        coalesce(expected.charge_period_end_at, billed.charge_period_end_at) as charge_period_end_at,
        coalesce(expected.currency_code, billed.currency_code) as currency_code,
        billed.currency_code as billed_currency_code,
        coalesce(billed.currency_count, 0) as billed_currency_count,
        billed.billed_quantity,
        expected.expected_quantity,
        billed.billed_amount_exact,
        expected.expected_amount_minor,
        case when billed.billed_unit_price_count = 1 then billed.billed_unit_price end as billed_unit_price,
        expected.expected_unit_price,
        coalesce(billed.billed_line_count, 0) as billed_line_count,
        coalesce(expected.expected_line_count, 0) as expected_line_count,
        coalesce(billed.duplicate_line_count, 0) as duplicate_line_count,
        coalesce(billed.adjustment_line_count, 0) as adjustment_line_count,
        coalesce(billed.drifted_line_count, 0) as drifted_line_count,
        expected.rate_card_version,
        billed.first_billed_line.source_file as first_source_file,
        billed.first_billed_line.source_row as first_source_row,
        expected.reconciliation_key is not null as has_expected,
    from billed
    full outer join expected
        on billed.reconciliation_key = expected.reconciliation_key

),

amounts as (

    select
        joined.*,
        currencies.minor_units,
        case
            when joined.billed_line_count > 0
                then {{ amount_to_minor_units('joined.billed_amount_exact', 'currencies.minor_units') }}
            else 0
        end as billed_amount_minor,
        coalesce(joined.expected_amount_minor, 0) as expected_amount_minor_or_zero,
        coalesce(sku_tolerances.absolute_tolerance, vendor_tolerances.absolute_tolerance)
            as absolute_tolerance,
        coalesce(sku_tolerances.relative_tolerance, vendor_tolerances.relative_tolerance)
            as relative_tolerance,
        coalesce(
            sku_tolerances.rounding_minor_units_per_line, vendor_tolerances.rounding_minor_units_per_line, 0
        ) as rounding_minor_units_per_line,
    from joined
    left join currencies
        on joined.currency_code = currencies.currency_code
    left join tolerances as sku_tolerances
        on joined.vendor_id = sku_tolerances.vendor_id
            and joined.vendor_sku_id = sku_tolerances.vendor_sku_id
    left join tolerances as vendor_tolerances
        on joined.vendor_id = vendor_tolerances.vendor_id
            and vendor_tolerances.vendor_sku_id is null

),

tolerances_applied as (

    select
        *,
        billed_amount_minor - expected_amount_minor_or_zero as variance_amount_minor,
        greatest(
            {{ amount_to_minor_units('coalesce(absolute_tolerance, 0)', 'minor_units') }},
            {{ round_half_even_div(
                'abs(expected_amount_minor_or_zero) * ' ~ decimal_to_scaled_integer('coalesce(relative_tolerance, 0)'),
                power_of_ten(6)
            ) }}
        ) as tolerance_amount_minor,
        rounding_minor_units_per_line
        * greatest(billed_line_count, expected_line_count) as rounding_amount_minor,
    from amounts

),

classified as (

    select
        *,
        case
            when billed_line_count > 0 and vendor_sku_id is null then 'sku_unmapped'
            when duplicate_line_count > 0 then 'double_billed'
            when adjustment_line_count > 0 then 'late_adjustment'
            when drifted_line_count > 0 then 'period_drift'
            when billed_line_count = 0 then 'missing_in_bill'
            when not has_expected then 'unexpected_charge'
            when billed_currency_count > 1 or billed_currency_code <> currency_code then 'unexpected_charge'
            when variance_amount_minor = 0 then 'matched'
            when
                abs(variance_amount_minor) <= least(rounding_amount_minor, tolerance_amount_minor)
                then 'rounding'
            when abs(variance_amount_minor) <= tolerance_amount_minor then 'within_tolerance'
            when billed_quantity = expected_quantity and billed_unit_price <> expected_unit_price
                then 'rate_mismatch'
            when billed_unit_price = expected_unit_price and billed_quantity <> expected_quantity
                then 'quantity_mismatch'
            when variance_amount_minor > 0 then 'over_billed'
            else 'under_billed'
        end as status,
    from tolerances_applied

),

final as (

    select
        {{ stable_hash([billing_period_literal(), 'reconciliation_key']) }} as reconciliation_line_id,
        cast({{ billing_period_literal() }} as varchar) as billing_period,
        cast(vendor_id as varchar) as vendor_id,
        cast(vendor_sku_id as varchar) as vendor_sku_id,
        cast(vendor_item_code as varchar) as vendor_item_code,
        cast(site_id as varchar) as site_id,
        cast(resource_id as varchar) as resource_id,
        cast(currency_code as varchar) as currency_code,
        cast(billed_quantity as decimal(38, 6)) as billed_quantity,
        cast(expected_quantity as decimal(38, 6)) as expected_quantity,
        {{ minor_units_to_amount('billed_amount_minor', 'minor_units') }} as billed_amount,
        {{ minor_units_to_amount('expected_amount_minor_or_zero', 'minor_units') }} as expected_amount,
        {{ minor_units_to_amount('variance_amount_minor', 'minor_units') }} as variance_amount,
        {{ minor_units_to_amount('tolerance_amount_minor', 'minor_units') }} as tolerance_amount,
        cast(billed_line_count as bigint) as billed_line_count,
        cast(rate_card_version as integer) as rate_card_version,
        cast(status as varchar) as status,
        cast(case when status <> 'matched' then status end as varchar) as reason_code,
        cast(duplicate_line_count as bigint) as duplicate_line_count,
        cast(charge_period_start_at as timestamp) as charge_period_start_at,
        cast(charge_period_end_at as timestamp) as charge_period_end_at,
        cast(first_source_file as varchar) as first_source_file,
        cast(first_source_row as bigint) as first_source_row,
        cast(source_system as varchar) as source_system,
        cast(reconciliation_key as varchar) as match_group_id,
        cast(expected_line_count as bigint) as expected_line_count,
        cast(billed_unit_price as decimal(38, 6)) as billed_unit_price,
        cast(expected_unit_price as decimal(38, 6)) as expected_unit_price,
        cast(status in ('matched', 'rounding', 'within_tolerance') as boolean) as is_auto_reconciled,
        cast(
            status
            || ': billed '
            || cast({{ minor_units_to_amount('billed_amount_minor', 'minor_units') }} as varchar)
            || ' ' || coalesce(currency_code, '') || ' on ' || billed_line_count || ' line(s)'
            || coalesce(' at ' || cast(cast(billed_unit_price as decimal(38, 6)) as varchar), '')
            || ' for ' || coalesce(cast(cast(billed_quantity as decimal(38, 6)) as varchar), '?')
            || ', expected '
            || cast({{ minor_units_to_amount('expected_amount_minor_or_zero', 'minor_units') }} as varchar)
            || ' on ' || expected_line_count || ' line(s)'
            || coalesce(
                ' (rate card v' || rate_card_version || ' at '
                || cast(cast(expected_unit_price as decimal(38, 6)) as varchar) || ' for '
                || cast(cast(expected_quantity as decimal(38, 6)) as varchar) || ')',
                ''
            )
            || ', variance '
            || cast({{ minor_units_to_amount('variance_amount_minor', 'minor_units') }} as varchar)
            || ', tolerance '
            || cast({{ minor_units_to_amount('tolerance_amount_minor', 'minor_units') }} as varchar)
            as varchar
        ) as detail,
    from classified

)

select * from final
