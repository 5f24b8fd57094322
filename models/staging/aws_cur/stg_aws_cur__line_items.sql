{#-
    AWS Cost and Usage Report line items of the current file versions, in the FOCUS-aligned
    staged shape. Legacy CUR (`lineItem/UsageAmount`) and CUR 2.0 (`line_item_usage_amount`)
    land in one raw table; each row has only its own variant's columns, so every field is the
    coalesce of both spellings. Line item ids repeat across time intervals: a line is
    identified by (identity/LineItemId, identity/TimeInterval). Numbers may use scientific
    notation; tax comes as separate `Tax` line items.
-#}


with

currencies as (

    select * from {{ ref('currencies') }}

),

source as (

    {{ current_rows(source('aws_cur', 'aws_cur_line_items')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        source._layout as layout_variant,
        {{ either_column('identity/LineItemId', 'identity_line_item_id') }} as line_item_id,
        {{ either_column('identity/TimeInterval', 'identity_time_interval') }} as time_interval,
        {{ either_column('bill/InvoiceId', 'bill_invoice_id') }} as invoice_id,
        {{ either_column('bill/PayerAccountId', 'bill_payer_account_id') }} as billing_account_id,
        {{ either_column('lineItem/UsageAccountId', 'line_item_usage_account_id') }} as sub_account_id,
        {{ either_column('bill/BillingEntity', 'bill_billing_entity') }} as billing_entity,
        {{ either_column('lineItem/LineItemType', 'line_item_line_item_type') }} as line_item_type,
        {{ either_column('lineItem/LineItemDescription', 'line_item_line_item_description') }}
            as charge_description,
        {{ either_column('bill/BillingPeriodStartDate', 'bill_billing_period_start_date') }}
            as billing_period_start_text,
        {{ either_column('bill/BillingPeriodEndDate', 'bill_billing_period_end_date') }}
            as billing_period_end_text,
        {{ either_column('lineItem/UsageStartDate', 'line_item_usage_start_date') }}
            as charge_period_start_text,
        {{ either_column('lineItem/UsageEndDate', 'line_item_usage_end_date') }} as charge_period_end_text,
        {{ either_column('lineItem/ResourceId', 'line_item_resource_id') }} as resource_id,
        {{ either_column('product/ProductName', 'product_product_name') }} as product_name,
        {{ either_column('lineItem/ProductCode', 'line_item_product_code') }} as product_code,
        {{ either_column('product/regionCode', 'product_region_code') }} as region_id,
        {{ either_column('product/sku', 'product_sku') }} as sku_id,
        {{ either_column('lineItem/UsageAmount', 'line_item_usage_amount') }} as usage_amount_text,
        {{ either_column('pricing/unit', 'pricing_unit') }} as pricing_unit,
        {{ either_column('lineItem/UnblendedCost', 'line_item_unblended_cost') }} as unblended_cost_text,
        {{ either_column('lineItem/UnblendedRate', 'line_item_unblended_rate') }} as unblended_rate_text,
        {{ either_column('pricing/publicOnDemandRate', 'pricing_public_on_demand_rate') }}
            as list_unit_price_text,
        {{ either_column('pricing/publicOnDemandCost', 'pricing_public_on_demand_cost') }} as list_cost_text,
        {{ either_column('reservation/EffectiveCost', 'reservation_effective_cost') }}
            as reservation_effective_cost_text,
        {{ either_column(
            'savingsPlan/SavingsPlanEffectiveCost', 'savings_plan_savings_plan_effective_cost'
        ) }}
            as savings_plan_effective_cost_text,
        {{ either_column('reservation/ReservationARN', 'reservation_reservation_a_r_n') }} as reservation_arn,
        {{ either_column('savingsPlan/SavingsPlanARN', 'savings_plan_savings_plan_a_r_n') }}
            as savings_plan_arn,
        {{ clean_text('source.resource_tags') }} as tags_text,
        upper({{ either_column('lineItem/CurrencyCode', 'line_item_currency_code') }}) as billing_currency,

    from source

),

typed as (

    select
        renamed.*,
        currencies.currency_code is not null as is_declared_currency,
        case renamed.line_item_type
            when 'Usage' then 'Usage'
            when 'DiscountedUsage' then 'Usage'
            when 'SavingsPlanCoveredUsage' then 'Usage'
            when 'Tax' then 'Tax'
            when 'Fee' then 'Purchase'
            when 'RIFee' then 'Purchase'
            when 'SavingsPlanUpfrontFee' then 'Purchase'
            when 'SavingsPlanRecurringFee' then 'Purchase'
            when 'Credit' then 'Credit'
            when 'Refund' then 'Credit'
            when 'SavingsPlanNegation' then 'Credit'
            when 'BundledDiscount' then 'Credit'
            when 'Discount' then 'Credit'
            when 'EdpDiscount' then 'Credit'
            when 'PrivateRateDiscount' then 'Credit'
            when 'DistributorDiscount' then 'Credit'
        end as charge_category,
        case
            when renamed.line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'One-Time'
            when renamed.line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when
                renamed.line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                then 'Usage-Based'
        end as charge_frequency,
        {{ parse_vendor_timestamp('billing_period_start_text') }} as billing_period_start_at,
        {{ parse_vendor_timestamp('billing_period_end_text') }} as billing_period_end_at,
        {{ parse_vendor_timestamp('charge_period_start_text') }} as charge_period_start_at,
        {{ parse_vendor_timestamp('charge_period_end_text') }} as charge_period_end_at,
        {{ parse_vendor_decimal('usage_amount_text') }} as usage_amount,
        {{ parse_vendor_amount('unblended_cost_text') }} as unblended_cost,
        {{ parse_vendor_decimal('unblended_rate_text') }} as unblended_rate,
        {{ parse_vendor_decimal('list_unit_price_text') }} as list_unit_price,
        {{ parse_vendor_decimal('list_cost_text') }} as list_cost,
        {{ parse_vendor_amount('reservation_effective_cost_text') }} as reservation_effective_cost,
        {{ parse_vendor_amount('savings_plan_effective_cost_text') }} as savings_plan_effective_cost,
        {{ normalise_tags('tags_text') }} as tags,

    from renamed
    left join currencies
        on renamed.billing_currency = currencies.currency_code

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('identity/LineItemId', 'line_item_id'),
            check_present('identity/TimeInterval', 'time_interval'),
            check_present('lineItem/LineItemType', 'line_item_type'),
            check_rule(
                'line_item_type is not null and charge_category is null',
                "'lineItem/LineItemType=''' || line_item_type || ''' is not a known CUR line item type'"
            ),
            check_present('lineItem/UnblendedCost', 'unblended_cost_text'),
            check_parsed('lineItem/UnblendedCost', 'unblended_cost_text', 'unblended_cost'),
            check_present('lineItem/CurrencyCode', 'billing_currency'),
            check_rule(
                'billing_currency is not null and not is_declared_currency',
                "'lineItem/CurrencyCode=''' || billing_currency || ''' is not a declared currency'"
            ),
            check_present('lineItem/UsageStartDate', 'charge_period_start_text'),
            check_parsed('lineItem/UsageStartDate', 'charge_period_start_text', 'charge_period_start_at'),
            check_present('lineItem/UsageEndDate', 'charge_period_end_text'),
            check_parsed('lineItem/UsageEndDate', 'charge_period_end_text', 'charge_period_end_at'),
            check_parsed('bill/BillingPeriodStartDate', 'billing_period_start_text', 'billing_period_start_at'),
            check_parsed('bill/BillingPeriodEndDate', 'billing_period_end_text', 'billing_period_end_at'),
            check_parsed('lineItem/UsageAmount', 'usage_amount_text', 'usage_amount'),
            check_parsed('lineItem/UnblendedRate', 'unblended_rate_text', 'unblended_rate'),
            check_parsed('pricing/publicOnDemandRate', 'list_unit_price_text', 'list_unit_price'),
            check_parsed('pricing/publicOnDemandCost', 'list_cost_text', 'list_cost'),
            check_parsed('reservation/EffectiveCost', 'reservation_effective_cost_text', 'reservation_effective_cost'),
            check_parsed('savingsPlan/SavingsPlanEffectiveCost', 'savings_plan_effective_cost_text', 'savings_plan_effective_cost'),
            check_parsed('resource_tags', 'tags_text', 'tags'),
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
        invoice_id,
        billing_account_id,
        sub_account_id,
        'AWS' as provider_name,
        charge_category,
        cast(null as varchar) as charge_class,
        charge_description,
        charge_frequency,
        billing_period_start_at,
        billing_period_end_at,
        charge_period_start_at,
        charge_period_end_at,
        resource_id,
        cast(null as varchar) as resource_name,
        coalesce(product_name, product_code) as service_name,
        region_id,
        sku_id,
        cast(null as varchar) as sku_price_id,
        usage_amount as pricing_quantity,
        pricing_unit,
        case when charge_category = 'Usage' then usage_amount end as consumed_quantity,
        case when charge_category = 'Usage' then pricing_unit end as consumed_unit,
        unblended_cost as billed_cost,
        case line_item_type
            when 'DiscountedUsage' then reservation_effective_cost
            when 'SavingsPlanCoveredUsage' then savings_plan_effective_cost
            when 'SavingsPlanNegation' then cast(0 as {{ vendor_amount_type() }})
            else unblended_cost
        end as effective_cost,
        list_cost,
        unblended_cost as contracted_cost,
        list_unit_price,
        unblended_rate as contracted_unit_price,
        billing_currency,
        coalesce(reservation_arn, savings_plan_arn) as commitment_discount_id,
        case
            when reservation_arn is not null then 'Usage'
            when savings_plan_arn is not null then 'Spend'
        end as commitment_discount_category,
        case
            when reservation_arn is not null then 'Reservation'
            when savings_plan_arn is not null then 'Savings Plan'
        end as commitment_discount_type,
        tags,
        line_item_id,
        time_interval,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
