{#-
    Vendor bills checked against what meterline expected (contract section 5), one row per
    (vendor, vendor SKU, site or resource, charge period) of the billing period.
    Billed side: every in-period canonical and double-billed line (what the vendor asks us
    to pay). Expected side: int_vendor_charges__expected. Tolerance =
    max(absolute_tolerance, relative_tolerance x |expected|), rounded half-even to minor units.
    Status, first that applies: sku_unmapped, double_billed, missing_in_bill,
    unexpected_charge, over_billed / under_billed (beyond tolerance), matched.
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
        count(*) as billed_line_count,
        count_if(row_status = 'duplicate') as duplicate_line_count,
        min({'source_file': source_file, 'source_row': source_row}) as first_billed_line,
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
        sum(expected_quantity) as expected_quantity,
        sum(expected_amount_minor) as expected_amount_minor,
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
        coalesce(billed.billed_line_count, 0) as billed_line_count,
        coalesce(billed.duplicate_line_count, 0) as duplicate_line_count,
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
        tolerances.absolute_tolerance,
        tolerances.relative_tolerance,
    from joined
    left join currencies
        on joined.currency_code = currencies.currency_code
    left join tolerances
        on joined.vendor_id = tolerances.vendor_id

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
    from amounts

),

classified as (

    select
        *,
        case
            when billed_line_count > 0 and vendor_sku_id is null then 'sku_unmapped'
            when duplicate_line_count > 0 then 'double_billed'
            when billed_line_count = 0 then 'missing_in_bill'
            when not has_expected then 'unexpected_charge'
            when billed_currency_count > 1 or billed_currency_code <> currency_code then 'unexpected_charge'
            when variance_amount_minor > tolerance_amount_minor then 'over_billed'
            when variance_amount_minor < -tolerance_amount_minor then 'under_billed'
            else 'matched'
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
    from classified

)

select * from final
