-- A table, not a view: its data tests and the models downstream read it many times a run.
{{ config(materialized='table') }}

{#-
    Every staged vendor charge line (FOCUS 1.0-1.3, AWS CUR legacy and 2.0, Azure cost
    details EA and MCA, Google Cloud billing export, Oracle Cloud cost reports, colocation) in
    one FOCUS-aligned shape, with
    the vendor SKU its item code maps to at the charge period start, and its fate:
    - vendor tax lines (FOCUS ChargeCategory `Tax`) are excluded from reconciliation;
    - identical lines (same vendor and line identity) are one charge: the first seen copy
      is canonical, the others are `double_billed` duplicates. FOCUS identity is InvoiceId,
      ResourceId, SkuId, ChargePeriodStart, ChargePeriodEnd, PricingQuantity, BilledCost;
      colocation identity is invoice, item code, service period, quantity, unit price, amount;
    - lines of another billing period are `outside_period` (FOCUS: BillingPeriodStart, else
      ChargePeriodStart; colocation: the service period start).
    Each line carries the reconciliation key it is compared under: cloud exports per (vendor,
    SKU, resource, charge period); colocation per (vendor, SKU, site, billing period).
    Cloud exports other than FOCUS: AWS CUR lines are identified by (line item id, time
    interval), Azure and Google rows by all their identifying columns; the Azure amortised
    view is `excluded` (`amortized_view`) so it never double counts the actual view; Google
    credits are their own `Credit` lines (line_number_in_row 2..) of the raw row. Oracle
    lines are identified by (tenancy, lineItem/referenceNo, usage interval); a correction has
    its own reference number, so it is a line of its own beside the line it corrects.
-#}

with

focus_charges as (

    select * from {{ ref('stg_focus__charges') }}

),

colo_lines as (

    select * from {{ ref('stg_colo__invoice_lines') }}

),

aws_cur_lines as (

    select * from {{ ref('stg_aws_cur__line_items') }}

),

azure_lines as (

    select * from {{ ref('stg_azure__cost_details') }}

),

gcp_lines as (

    select * from {{ ref('stg_gcp__billing_lines') }}

),

oci_lines as (

    select * from {{ ref('stg_oci__cost_lines') }}

),

aws_cur_unified as (

    select
        'aws_cur' as source_kind,
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
        cast(billed_cost as {{ vendor_amount_type() }}) as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash(['line_item_id', 'time_interval']) }} as line_identity,
        quarantine_reason,
        quarantine_detail,
        cast(1 as bigint) as line_number_in_row,
        layout_variant,
        'actual' as cost_view,
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
        cast(effective_cost as {{ vendor_amount_type() }}) as effective_cost,
        commitment_discount_id,
        commitment_discount_category,
        commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        tags,
    from aws_cur_lines

),

azure_unified as (

    select
        'azure' as source_kind,
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
        cast(billed_cost as {{ vendor_amount_type() }}) as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash([
            'layout_variant', 'invoice_id', 'billing_account_id', 'sub_account_id', 'charge_class',
            'charge_category', 'charge_period_start_at', 'sku_id', 'sku_price_id', 'resource_id',
            'commitment_discount_id', 'unit_of_measure', 'pricing_quantity', 'billed_cost',
            'contracted_unit_price', 'tags',
        ]) }}
            as line_identity,
        quarantine_reason,
        quarantine_detail,
        cast(1 as bigint) as line_number_in_row,
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
        cast(effective_cost as {{ vendor_amount_type() }}) as effective_cost,
        commitment_discount_id,
        cast(null as varchar) as commitment_discount_category,
        commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        tags,
    from azure_lines

),

gcp_unified as (

    select
        'gcp' as source_kind,
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
        cast(billed_cost as {{ vendor_amount_type() }}) as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash([
            'billing_account_id', 'sub_account_id', 'sku_id', 'charge_period_start_at', 'charge_period_end_at',
            'resource_id', 'region_id', 'charge_category', 'consumed_quantity', 'credits_text', 'tags',
            'line_number_in_row', 'billed_cost',
        ]) }}
            as line_identity,
        quarantine_reason,
        quarantine_detail,
        line_number_in_row,
        layout_variant,
        'actual' as cost_view,
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
        cast(null as decimal(38, 6)) as list_unit_price,
        contracted_unit_price,
        cast(null as decimal(38, 6)) as list_cost,
        cast(null as decimal(38, 6)) as contracted_cost,
        cast(effective_cost as {{ vendor_amount_type() }}) as effective_cost,
        cast(null as varchar) as commitment_discount_id,
        cast(null as varchar) as commitment_discount_category,
        cast(null as varchar) as commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        tags,
    from gcp_lines

),

oci_unified as (

    select
        'oci' as source_kind,
        vendor_id,
        source_file,
        source_row,
        invoice_id,
        sku_id as vendor_item_code,
        charge_category,
        charge_description,
        charge_period_start_at,
        charge_period_end_at,
        billing_period_start_at as period_reference_at,
        cast(null as varchar) as site_id,
        resource_id,
        pricing_quantity as billed_quantity,
        pricing_unit as billed_unit,
        contracted_unit_price as billed_unit_price,
        cast(billed_cost as {{ vendor_amount_type() }}) as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash([
            'sub_account_id', 'reference_number', 'charge_period_start_at', 'charge_period_end_at',
        ]) }}
            as line_identity,
        quarantine_reason,
        quarantine_detail,
        cast(1 as bigint) as line_number_in_row,
        layout_variant,
        'actual' as cost_view,
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
        cast(null as decimal(38, 6)) as list_unit_price,
        contracted_unit_price,
        cast(null as decimal(38, 6)) as list_cost,
        contracted_cost,
        cast(effective_cost as {{ vendor_amount_type() }}) as effective_cost,
        cast(null as varchar) as commitment_discount_id,
        cast(null as varchar) as commitment_discount_category,
        cast(null as varchar) as commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        tags,
    from oci_lines

),

sku_map as (

    -- direct mappings and aliases of renamed item codes, with the vendor's map version
    select * from {{ ref('int_vendor_sku_map__resolved') }}

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
        cast(billed_cost as {{ vendor_amount_type() }}) as billed_amount,
        billing_currency as currency_code,
        {{ stable_hash([
            'invoice_id', 'resource_id', 'sku_id', 'charge_period_start_at',
            'charge_period_end_at', 'pricing_quantity', 'billed_cost',
        ]) }} as line_identity,
        quarantine_reason,
        quarantine_detail,
        cast(1 as bigint) as line_number_in_row,
        layout_variant,
        'actual' as cost_view,
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
        cast(effective_cost as {{ vendor_amount_type() }}) as effective_cost,
        commitment_discount_id,
        commitment_discount_category,
        commitment_discount_type,
        commitment_discount_status,
        tags,
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
        cast(colo_lines.amount as {{ vendor_amount_type() }}) as billed_amount,
        colo_lines.currency_code,
        {{ stable_hash([
            'colo_lines.invoice_id', 'colo_lines.item_code', 'colo_lines.period_start_date',
            'colo_lines.period_end_date', 'colo_lines.quantity', 'colo_lines.unit_price',
            'colo_lines.amount',
        ]) }} as line_identity,
        colo_lines.quarantine_reason,
        colo_lines.quarantine_detail,
        cast(1 as bigint) as line_number_in_row,
        'colo_' || colo_lines.vendor_id as layout_variant,
        'actual' as cost_view,
        cast(null as varchar) as provider_name,
        cast(null as varchar) as billing_account_id,
        cast(null as varchar) as sub_account_id,
        cast(null as varchar) as charge_class,
        cast(null as varchar) as charge_frequency,
        cast(null as timestamp) as billing_period_start_at,
        cast(null as timestamp) as billing_period_end_at,
        cast(null as varchar) as region_id,
        cast(null as varchar) as sku_price_id,
        colo_lines.quantity as consumed_quantity,
        colo_lines.unit as consumed_unit,
        cast(null as decimal(38, 6)) as list_unit_price,
        colo_lines.unit_price as contracted_unit_price,
        cast(null as decimal(38, 6)) as list_cost,
        colo_lines.amount as contracted_cost,
        cast(colo_lines.amount as {{ vendor_amount_type() }}) as effective_cost,
        cast(null as varchar) as commitment_discount_id,
        cast(null as varchar) as commitment_discount_category,
        cast(null as varchar) as commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        cast(null as varchar) as tags,
    from colo_lines
    left join sites
        on colo_lines.vendor_id = sites.vendor_id

),

lines as (

    select * from focus_unified
    union all
    select * from colo_unified
    union all by name
    select * from aws_cur_unified
    union all by name
    select * from azure_unified
    union all by name
    select * from gcp_unified
    union all by name
    select * from oci_unified

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
            "case when source_kind <> 'colo' then charge_period_start_at end",
            "case when source_kind <> 'colo' then charge_period_end_at end",
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
