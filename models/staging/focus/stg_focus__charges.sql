with

vendors as (

    select distinct vendor_id from {{ ref('vendor_rate_cards') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

source as (

    {{ current_rows(source('focus', 'focus_charges')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        {{ clean_text('source."InvoiceId"', ['NULL']) }} as invoice_id,
        {{ clean_text('source."BillingAccountId"', ['NULL']) }} as billing_account_id,
        {{ clean_text('source."SubAccountId"', ['NULL']) }} as sub_account_id,
        {{ clean_text('source."ProviderName"', ['NULL']) }} as provider_name,
        {{ clean_text('source."ChargeCategory"', ['NULL']) }} as charge_category,
        {{ clean_text('source."ChargeClass"', ['NULL']) }} as charge_class,
        {{ clean_text('source."ChargeDescription"', ['NULL']) }} as charge_description,
        {{ clean_text('source."ChargeFrequency"', ['NULL']) }} as charge_frequency,
        {{ clean_text('source."BillingPeriodStart"', ['NULL']) }} as billing_period_start_text,
        {{ clean_text('source."BillingPeriodEnd"', ['NULL']) }} as billing_period_end_text,
        {{ clean_text('source."ChargePeriodStart"', ['NULL']) }} as charge_period_start_text,
        {{ clean_text('source."ChargePeriodEnd"', ['NULL']) }} as charge_period_end_text,
        {{ clean_text('source."ResourceId"', ['NULL']) }} as resource_id,
        {{ clean_text('source."ResourceName"', ['NULL']) }} as resource_name,
        {{ clean_text('source."ServiceName"', ['NULL']) }} as service_name,
        {{ clean_text('source."RegionId"', ['NULL']) }} as region_id,
        {{ clean_text('source."SkuId"', ['NULL']) }} as sku_id,
        {{ clean_text('source."PricingQuantity"', ['NULL']) }} as pricing_quantity_text,
        {{ clean_text('source."PricingUnit"', ['NULL']) }} as pricing_unit,
        {{ clean_text('source."BilledCost"', ['NULL']) }} as billed_cost_text,
        {{ clean_text('source."EffectiveCost"', ['NULL']) }} as effective_cost_text,
        {{ clean_text('source."ListUnitPrice"', ['NULL']) }} as list_unit_price_text,
        {{ clean_text('source."ContractedUnitPrice"', ['NULL']) }} as contracted_unit_price_text,
        upper({{ clean_text('source."BillingCurrency"', ['NULL']) }}) as billing_currency,
        source._layout as layout_variant,
        {{ clean_text('source."SkuPriceId"', ['NULL']) }} as sku_price_id,
        {{ clean_text('source."ConsumedQuantity"', ['NULL']) }} as consumed_quantity_text,
        {{ clean_text('source."ConsumedUnit"', ['NULL']) }} as consumed_unit,
        {{ clean_text('source."ListCost"', ['NULL']) }} as list_cost_text,
        {{ clean_text('source."ContractedCost"', ['NULL']) }} as contracted_cost_text,
        {{ clean_text('source."CommitmentDiscountId"', ['NULL']) }} as commitment_discount_id,
        {{ clean_text('source."CommitmentDiscountCategory"', ['NULL']) }}
            as commitment_discount_category_text,
        {{ clean_text('source."CommitmentDiscountType"', ['NULL']) }} as commitment_discount_type,
        {{ clean_text('source."CommitmentDiscountStatus"', ['NULL']) }} as commitment_discount_status_text,
        {{ clean_text('source."CommitmentDiscountQuantity"', ['NULL']) }}
            as commitment_discount_quantity_text,
        {{ clean_text('source."CommitmentDiscountUnit"', ['NULL']) }} as commitment_discount_unit,
        {{ clean_text('source."Tags"', ['NULL']) }} as tags_text,

    from source

),

typed as (

    select
        renamed.*,
        vendors.vendor_id is not null as is_declared_vendor,
        currencies.currency_code is not null as is_declared_currency,
        {{ parse_utc_timestamp('billing_period_start_text') }} as billing_period_start_at,
        {{ parse_utc_timestamp('billing_period_end_text') }} as billing_period_end_at,
        {{ parse_utc_timestamp('charge_period_start_text') }} as charge_period_start_at,
        {{ parse_utc_timestamp('charge_period_end_text') }} as charge_period_end_at,
        {{ parse_decimal('pricing_quantity_text') }} as pricing_quantity,
        {{ parse_vendor_amount('billed_cost_text') }} as billed_cost,
        {{ parse_vendor_amount('effective_cost_text') }} as effective_cost,
        {{ parse_decimal('list_unit_price_text') }} as list_unit_price,
        {{ parse_decimal('contracted_unit_price_text') }} as contracted_unit_price,
        {{ parse_vendor_decimal('consumed_quantity_text') }} as consumed_quantity,
        {{ parse_vendor_decimal('list_cost_text') }} as list_cost,
        {{ parse_vendor_decimal('contracted_cost_text') }} as contracted_cost,
        {{ parse_vendor_decimal('commitment_discount_quantity_text') }} as commitment_discount_quantity,
        {{ canonical_focus_value('charge_category', ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']) }}
            as charge_category_canonical,
        {{ canonical_focus_value('charge_class', ['Correction']) }} as charge_class_canonical,
        {{ canonical_focus_value('charge_frequency', ['One-Time', 'Recurring', 'Usage-Based']) }}
            as charge_frequency_canonical,
        {{ canonical_focus_value('commitment_discount_category_text', ['Spend', 'Usage']) }}
            as commitment_discount_category,
        {{ canonical_focus_value('commitment_discount_status_text', ['Used', 'Unused']) }}
            as commitment_discount_status,
        {{ normalise_tags('tags_text') }} as tags,

    from renamed
    left join vendors
        on renamed.vendor_id = vendors.vendor_id
    left join currencies
        on renamed.billing_currency = currencies.currency_code

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_vendor', "'_source_id=''' || coalesce(vendor_id, '') || ''' is not a vendor with a rate card'"),
            check_present('ChargeCategory', 'charge_category'),
            check_rule(
                "charge_category_canonical not in ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')",
                "'ChargeCategory=''' || charge_category || ''' is not a FOCUS charge category'"
            ),
            check_present('BilledCost', 'billed_cost_text'),
            check_parsed('BilledCost', 'billed_cost_text', 'billed_cost'),
            check_present('BillingCurrency', 'billing_currency'),
            check_rule(
                'billing_currency is not null and not is_declared_currency',
                "'BillingCurrency=''' || billing_currency || ''' is not a declared currency'"
            ),
            check_present('ChargePeriodStart', 'charge_period_start_text'),
            check_parsed('ChargePeriodStart', 'charge_period_start_text', 'charge_period_start_at'),
            check_present('ChargePeriodEnd', 'charge_period_end_text'),
            check_parsed('ChargePeriodEnd', 'charge_period_end_text', 'charge_period_end_at'),
            check_parsed('BillingPeriodStart', 'billing_period_start_text', 'billing_period_start_at'),
            check_parsed('BillingPeriodEnd', 'billing_period_end_text', 'billing_period_end_at'),
            check_parsed('PricingQuantity', 'pricing_quantity_text', 'pricing_quantity'),
            check_parsed('EffectiveCost', 'effective_cost_text', 'effective_cost'),
            check_parsed('ListUnitPrice', 'list_unit_price_text', 'list_unit_price'),
            check_parsed('ContractedUnitPrice', 'contracted_unit_price_text', 'contracted_unit_price'),
            check_parsed('ConsumedQuantity', 'consumed_quantity_text', 'consumed_quantity'),
            check_parsed('ListCost', 'list_cost_text', 'list_cost'),
            check_parsed('ContractedCost', 'contracted_cost_text', 'contracted_cost'),
            check_parsed('CommitmentDiscountQuantity', 'commitment_discount_quantity_text', 'commitment_discount_quantity'),
            check_parsed('Tags', 'tags_text', 'tags'),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        vendor_id,
        invoice_id,
        billing_account_id,
        sub_account_id,
        provider_name,
        charge_category_canonical as charge_category,
        charge_class_canonical as charge_class,
        charge_description,
        charge_frequency_canonical as charge_frequency,
        billing_period_start_at,
        billing_period_end_at,
        charge_period_start_at,
        charge_period_end_at,
        resource_id,
        resource_name,
        service_name,
        region_id,
        sku_id,
        pricing_quantity,
        pricing_unit,
        billed_cost,
        effective_cost,
        list_unit_price,
        contracted_unit_price,
        billing_currency,
        coalesce(layout_variant, 'focus_1.0') as layout_variant,
        sku_price_id,
        consumed_quantity,
        consumed_unit,
        list_cost,
        contracted_cost,
        commitment_discount_id,
        commitment_discount_category,
        commitment_discount_type,
        commitment_discount_status,
        commitment_discount_quantity,
        commitment_discount_unit,
        tags,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
