-- A table, not a view: its data tests and the models downstream read it many times a run.
{{ config(materialized='table') }}

{#-
    Every staged vendor charge line (FOCUS 1.0-1.3, AWS CUR legacy and 2.0, Azure cost
    details EA and MCA, Google Cloud billing export, Oracle Cloud cost reports, colocation) in
    one FOCUS-aligned shape, with the vendor SKU its item code maps to at the charge period
    start, and its fate. Each vendor declared in the dbt var `vendor_sources` brings its lines
    already in that shape (stg_<source_kind>__vendor_charges, macros/vendor_charges), with the
    identity of a line as that vendor defines it; everything below is the same for all:
    - vendor tax lines (FOCUS ChargeCategory `Tax`) are excluded from reconciliation;
    - identical lines (same vendor and line identity) are one charge: the first seen copy
      is canonical, the others are `double_billed` duplicates;
    - lines of another billing period are `outside_period` (the period reference: FOCUS
      BillingPeriodStart, else ChargePeriodStart; Oracle's billing period; colocation's
      service period start);
    - the Azure amortised view is `excluded` (`amortized_view`) so it never double counts
      the actual view.
    Each line carries the reconciliation key it is compared under, by its vendor's declared
    `reconciled_per`: cloud exports per (vendor, SKU, resource, charge period); colocation per
    (vendor, SKU, site, billing period).
-#}

with

lines as (

    {{ union_vendor_charges() }}

),

sku_map as (

    -- direct mappings and aliases of renamed item codes, with the vendor's map version
    select * from {{ ref('int_vendor_sku_map__resolved') }}

),

mapped as (

    select
        lines.*,
        sku_map.vendor_sku_id,
        sku_map.sku_map_version,
    from lines
    left join sku_map
        on lines.vendor_id = sku_map.vendor_id
            and lines.vendor_item_code = sku_map.vendor_item_code
            and lines.charge_period_start_at >= sku_map.effective_from
            and coalesce(sku_map.effective_to, cast('infinity' as timestamp)) > lines.charge_period_start_at

),

ranked as (

    select
        *,
        coalesce(charge_category = 'Tax', false) as is_vendor_tax_line,
        row_number() over line_copies as copy_rank,
        first_value(source_file) over line_copies as canonical_source_file,
        first_value(source_row) over line_copies as canonical_source_row,
        coalesce(
            period_reference_at >= {{ billing_period_start() }}
            and period_reference_at < {{ billing_period_end() }},
            false
        ) as is_in_period,
    from mapped
    window line_copies as (
        partition by
            quarantine_reason is null and not coalesce(charge_category = 'Tax', false)
            and cost_view = 'actual',
            vendor_id,
            line_identity
        order by source_file, source_row
    )

),

classified as (

    select
        ranked.*,
        case
            when ranked.quarantine_reason is not null then 'quarantined'
            when ranked.is_vendor_tax_line then 'excluded'
            when ranked.cost_view <> 'actual' then 'excluded'
            when ranked.copy_rank > 1 then 'duplicate'
            when ranked.is_in_period then 'canonical'
            else 'excluded'
        end as row_status,
        {{ is_file_in_period("quarantine_reason is null and cost_view = 'actual'", 'is_in_period') }}
            as is_file_in_period,
    from ranked

),

final as (

    select
        case
            when line_number_in_row = 1 then {{ stable_hash(['source_file', 'source_row']) }}
            else {{ stable_hash(['source_file', 'source_row', 'line_number_in_row']) }}
        end as vendor_charge_line_id,
        source_kind,
        vendor_id,
        source_file,
        source_row,
        invoice_id,
        vendor_item_code,
        vendor_sku_id,
        charge_category,
        charge_description,
        charge_period_start_at,
        charge_period_end_at,
        site_id,
        resource_id,
        billed_quantity,
        billed_unit,
        billed_unit_price,
        billed_amount,
        currency_code,
        line_identity,
        {{ stable_hash([
            'vendor_id',
            "coalesce(vendor_sku_id, 'unmapped:' || vendor_item_code)",
            'site_id',
            'resource_id',
            "case when source_kind in (" ~ vendor_source_kinds('charge_period') ~ ") then charge_period_start_at end",
            "case when source_kind in (" ~ vendor_source_kinds('charge_period') ~ ") then charge_period_end_at end",
        ]) }} as reconciliation_key,
        is_in_period,
        is_file_in_period,
        case when row_status = 'duplicate' then canonical_source_file end as canonical_source_file,
        case when row_status = 'duplicate' then canonical_source_row end as canonical_source_row,
        row_status,
        case
            when row_status = 'quarantined' then quarantine_reason
            when row_status = 'duplicate' then 'double_billed'
        end as reason_code,
        case
            when row_status <> 'excluded' then null
            when is_vendor_tax_line then 'vendor_tax_line'
            when cost_view <> 'actual' then 'amortized_view'
            else 'outside_period'
        end as exclusion_reason,
        quarantine_detail,
        line_number_in_row,
        layout_variant,
        cost_view,
        provider_name,
        billing_account_id,
        sub_account_id,
        charge_class,
        charge_frequency,
        billing_period_start_at,
        billing_period_end_at,
        region_id,
        sku_price_id,
        consumed_quantity,
        consumed_unit,
        list_unit_price,
        contracted_unit_price,
        list_cost,
        contracted_cost,
        effective_cost,
        commitment_discount_id,
        commitment_discount_category,
        commitment_discount_type,
        commitment_discount_status,
        tags,
    from classified

)

select * from final
