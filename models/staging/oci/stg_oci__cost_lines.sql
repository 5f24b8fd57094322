{#-
    Oracle Cloud (OCI) cost report rows of the current file versions, in the FOCUS-aligned
    staged shape, one line per row. Oracle's report has no invoice or billing-period column:
    the billing period is the UTC month of lineItem/intervalUsageStart (as the FinOps
    Foundation's converter derives it). cost/myCost is what is billed, overage included (the
    overage columns are the part of it above the commitment, never added again). A correction
    (lineItem/isCorrection true) is its own line, added to the line it corrects
    (lineItem/backreferenceNo), with ChargeClass `Correction`: the report's sum is the sum of
    its rows. Every `tags/<key>` column the raw table has becomes one key of the tags object
    (tags_from_prefixed_columns lists them when the model runs: a new tag key needs no change).
-#}

with

currencies as (

    select * from {{ ref('currencies') }}

),

source as (

    {{ current_rows(source('oci', 'oci_cost_lines')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        source._layout as layout_variant,
        {{ clean_text('source."lineItem/referenceNo"') }} as reference_number,
        {{ clean_text('source."lineItem/backreferenceNo"') }} as corrected_reference_number,
        {{ clean_text('source."lineItem/isCorrection"') }} as is_correction_text,
        {{ clean_text('source."lineItem/tenantId"') }} as sub_account_id,
        {{ clean_text('source."cost/subscriptionId"') }} as billing_account_id,
        {{ clean_text('source."lineItem/intervalUsageStart"') }} as charge_period_start_text,
        {{ clean_text('source."lineItem/intervalUsageEnd"') }} as charge_period_end_text,
        {{ clean_text('source."product/service"') }} as service_name,
        {{ clean_text('source."product/resource"') }} as resource_type,
        {{ clean_text('source."product/compartmentId"') }} as compartment_id,
        {{ clean_text('source."product/compartmentName"') }} as compartment_name,
        {{ clean_text('source."product/region"') }} as region_id,
        {{ clean_text('source."product/availabilityDomain"') }} as availability_domain,
        {{ clean_text('source."product/resourceId"') }} as resource_id,
        {{ clean_text('source."cost/productSku"') }} as sku_id,
        {{ clean_text('source."product/Description"') }} as charge_description,
        {{ clean_text('source."usage/billedQuantity"') }} as billed_quantity_text,
        {{ clean_text('source."usage/billedQuantityOverage"') }} as billed_quantity_overage_text,
        {{ clean_text('source."cost/unitPrice"') }} as unit_price_text,
        {{ clean_text('source."cost/unitPriceOverage"') }} as unit_price_overage_text,
        {{ clean_text('source."cost/myCost"') }} as my_cost_text,
        {{ clean_text('source."cost/myCostOverage"') }} as my_cost_overage_text,
        {{ clean_text('source."cost/skuUnitDescription"') }} as sku_unit_description,
        {{ clean_text('source."cost/billingUnitReadable"') }} as billing_unit_readable,
        {{ clean_text('source."cost/overageFlag"') }} as overage_flag,
        upper({{ clean_text('source."cost/currencyCode"') }}) as billing_currency,
        {{ tags_from_prefixed_columns(source('oci', 'oci_cost_lines'), 'tags/', 'source') }} as tags,

    from source

),

typed as (

    select
        renamed.*,
        currencies.currency_code is not null as is_declared_currency,
        coalesce(try_cast(renamed.is_correction_text as boolean), false) as is_correction,
        {{ parse_vendor_timestamp('charge_period_start_text') }} as charge_period_start_at,
        {{ parse_vendor_timestamp('charge_period_end_text') }} as charge_period_end_at,
        {{ parse_vendor_decimal('billed_quantity_text') }} as billed_quantity,
        {{ parse_vendor_decimal('billed_quantity_overage_text') }} as billed_quantity_overage,
        {{ parse_vendor_decimal('unit_price_text') }} as unit_price,
        {{ parse_vendor_decimal('unit_price_overage_text') }} as unit_price_overage,
        {{ parse_vendor_amount('my_cost_text') }} as my_cost,
        {{ parse_vendor_amount('my_cost_overage_text') }} as my_cost_overage,

    from renamed
    left join currencies
        on renamed.billing_currency = currencies.currency_code

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('lineItem/referenceNo', 'reference_number'),
            check_present('cost/productSku', 'sku_id'),
            check_present('cost/myCost', 'my_cost_text'),
            check_parsed('cost/myCost', 'my_cost_text', 'my_cost'),
            check_present('cost/currencyCode', 'billing_currency'),
            check_rule(
                'billing_currency is not null and not is_declared_currency',
                "'cost/currencyCode=''' || billing_currency || ''' is not a declared currency'"
            ),
            check_present('lineItem/intervalUsageStart', 'charge_period_start_text'),
            check_parsed('lineItem/intervalUsageStart', 'charge_period_start_text', 'charge_period_start_at'),
            check_present('lineItem/intervalUsageEnd', 'charge_period_end_text'),
            check_parsed('lineItem/intervalUsageEnd', 'charge_period_end_text', 'charge_period_end_at'),
            check_parsed('usage/billedQuantity', 'billed_quantity_text', 'billed_quantity'),
            check_parsed('usage/billedQuantityOverage', 'billed_quantity_overage_text', 'billed_quantity_overage'),
            check_parsed('cost/unitPrice', 'unit_price_text', 'unit_price'),
            check_parsed('cost/unitPriceOverage', 'unit_price_overage_text', 'unit_price_overage'),
            check_parsed('cost/myCostOverage', 'my_cost_overage_text', 'my_cost_overage'),
            check_rule(
                'is_correction_text is not null and try_cast(is_correction_text as boolean) is null',
                "'lineItem/isCorrection=''' || is_correction_text || ''' is not true or false'"
            ),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        vendor_id,
        layout_variant,
        cast(null as varchar) as invoice_id,
        billing_account_id,
        sub_account_id,
        'Oracle' as provider_name,
        'Usage' as charge_category,
        case when is_correction then 'Correction' end as charge_class,
        charge_description,
        'Usage-Based' as charge_frequency,
        date_trunc('month', charge_period_start_at) as billing_period_start_at,
        date_trunc('month', charge_period_start_at) + interval 1 month as billing_period_end_at,
        charge_period_start_at,
        charge_period_end_at,
        resource_id,
        resource_type,
        service_name,
        region_id,
        availability_domain,
        compartment_id,
        compartment_name,
        sku_id,
        cast(null as varchar) as sku_price_id,
        billed_quantity as pricing_quantity,
        coalesce(sku_unit_description, billing_unit_readable) as pricing_unit,
        billed_quantity as consumed_quantity,
        coalesce(billing_unit_readable, sku_unit_description) as consumed_unit,
        my_cost as billed_cost,
        my_cost as effective_cost,
        my_cost as contracted_cost,
        unit_price as contracted_unit_price,
        my_cost_overage as overage_cost,
        overage_flag,
        billing_currency,
        tags,
        reference_number,
        corrected_reference_number,
        is_correction,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
