{#-
    Every staged vendor charge line (FOCUS and colocation) in one FOCUS-aligned shape, with
    the vendor SKU its item code maps to at the charge period start, and its fate:
    - vendor tax lines (FOCUS ChargeCategory `Tax`) are excluded from reconciliation;
    - identical lines (same vendor and line identity) are one charge: the first seen copy
      is canonical, the others are `double_billed` duplicates. FOCUS identity is InvoiceId,
      ResourceId, SkuId, ChargePeriodStart, ChargePeriodEnd, PricingQuantity, BilledCost;
      colocation identity is invoice, item code, service period, quantity, unit price, amount;
    - lines of another billing period are `outside_period` (FOCUS: BillingPeriodStart, else
      ChargePeriodStart; colocation: the service period start).
    Each line carries the reconciliation key it is compared under: FOCUS per (vendor, SKU,
    resource, charge period); colocation per (vendor, SKU, site, billing period).
-#}

with

focus_charges as (

    select * from {{ ref('stg_focus__charges') }}

),

colo_lines as (

    select * from {{ ref('stg_colo__invoice_lines') }}

),

sku_map as (

    select * from {{ ref('vendor_sku_map') }}

),

sites as (

    select * from {{ ref('energy_sites') }}

),

focus_unified as (

    select
        'focus' as source_kind,
        vendor_id,
        source_file,
        source_row,
        invoice_id,
        sku_id as vendor_item_code,
        charge_category,
        charge_description,
        charge_period_start_at,
        charge_period_end_at,
        coalesce(billing_period_start_at, charge_period_start_at) as period_reference_at,
        cast(null as varchar) as site_id,
        resource_id,
        pricing_quantity as billed_quantity,
        pricing_unit as billed_unit,
        contracted_unit_price as billed_unit_price,
        billed_cost as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash([
            'invoice_id', 'resource_id', 'sku_id', 'charge_period_start_at',
            'charge_period_end_at', 'pricing_quantity', 'billed_cost',
        ]) }} as line_identity,
        quarantine_reason,
        quarantine_detail,
    from focus_charges

),

colo_unified as (

    select
        'colo' as source_kind,
        colo_lines.vendor_id,
        colo_lines.source_file,
        colo_lines.source_row,
        colo_lines.invoice_id,
        colo_lines.item_code as vendor_item_code,
        cast(null as varchar) as charge_category,
        colo_lines.line_description as charge_description,
        colo_lines.charge_period_start_at,
        colo_lines.charge_period_end_at,
        colo_lines.charge_period_start_at as period_reference_at,
        sites.site_id,
        cast(null as varchar) as resource_id,
        colo_lines.quantity as billed_quantity,
        colo_lines.unit as billed_unit,
        colo_lines.unit_price as billed_unit_price,
        colo_lines.amount as billed_amount,
        colo_lines.currency_code,
        {{ stable_hash([
            'colo_lines.invoice_id', 'colo_lines.item_code', 'colo_lines.period_start_date',
            'colo_lines.period_end_date', 'colo_lines.quantity', 'colo_lines.unit_price',
            'colo_lines.amount',
        ]) }} as line_identity,
        colo_lines.quarantine_reason,
        colo_lines.quarantine_detail,
    from colo_lines
    left join sites
        on colo_lines.vendor_id = sites.vendor_id

),

lines as (

    select * from focus_unified
    union all
    select * from colo_unified

),

mapped as (

    select
        lines.*,
        sku_map.vendor_sku_id,
    from lines
    left join sku_map
        on lines.vendor_id = sku_map.vendor_id
        and lines.vendor_item_code = sku_map.vendor_item_code
        and sku_map.effective_from <= lines.charge_period_start_at
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
            quarantine_reason is null and not coalesce(charge_category = 'Tax', false),
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
            when ranked.copy_rank > 1 then 'duplicate'
            when ranked.is_in_period then 'canonical'
            else 'excluded'
        end as row_status,
        {{ is_file_in_period('quarantine_reason is null', 'is_in_period') }} as is_file_in_period,
    from ranked

),

final as (

    select
        {{ stable_hash(['source_file', 'source_row']) }} as vendor_charge_line_id,
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
            "case when source_kind = 'focus' then charge_period_start_at end",
            "case when source_kind = 'focus' then charge_period_end_at end",
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
            else 'outside_period'
        end as exclusion_reason,
        quarantine_detail,
    from classified

)

select * from final
