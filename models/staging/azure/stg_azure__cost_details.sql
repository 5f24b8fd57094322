{#-
    Azure cost details rows (EA, MCA and the legacy cost report; PascalCase, camelCase or any
    mix of case) of the current file versions, in the FOCUS-aligned staged shape. The legacy
    report names the facts otherwise (UsageDateTime, UsageQuantity, PreTaxCost, Currency,
    ResourceRate, SubscriptionGuid, InstanceId) and has no ChargeType: every row is usage. DuckDB column names are case-insensitive, so EA `Cost` and
    MCA `cost` are one raw column; MCA's CostInBillingCurrency wins over EA's Cost. Dates are
    US `M/D/YYYY` (with or without leading zeros) or ISO. UnitOfMeasure pack sizes (`10K`,
    `100 Hours`, `1 GB/Month`) are normalised to base units through the azure_pricing_units
    seed: quantity x block size, unit prices / block size (the cost is unchanged). A file
    whose name says `amortized`/`amortised` is the amortised view (recognised per file).
-#}

with

currencies as (

    select * from {{ ref('currencies') }}

),

pricing_units as (

    select
        lower(trim(unit_of_measure)) as unit_key,
        cast(pricing_block_size as bigint) as pricing_block_size,
        distinct_unit,
    from {{ ref('azure_pricing_units') }}

),

source as (

    {{ current_rows(source('azure', 'azure_cost_details')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        source._layout as layout_variant,
        case
            when regexp_matches(lower(source._source_file), 'amorti[sz]ed') then 'amortized'
            else 'actual'
        end as cost_view,
        {{ clean_text('source."InvoiceId"') }} as invoice_id,
        {{ clean_text('source."BillingAccountId"') }} as billing_account_id,
        {{ clean_text('coalesce(source."SubscriptionId", source."SubscriptionGuid")') }} as sub_account_id,
        coalesce(
            {{ clean_text('source."ChargeType"') }},
            case when source._layout = 'azure_legacy' then 'Usage' end
        ) as charge_type,
        coalesce(
            {{ clean_text('source."Frequency"') }},
            case when source._layout = 'azure_legacy' then 'UsageBased' end
        ) as frequency,
        {{ clean_text('coalesce(source."MeterName", source."ProductName", source."Product")') }}
            as charge_description,
        {{ clean_text('source."BillingPeriodStartDate"') }} as billing_period_start_text,
        {{ clean_text('source."BillingPeriodEndDate"') }} as billing_period_end_text,
        {{ clean_text('coalesce(source."Date", source."UsageDateTime")') }} as charge_date_text,
        {{ clean_text('coalesce(source."ResourceId", source."InstanceId")') }} as resource_id,
        {{ clean_text('source."ResourceName"') }} as resource_name,
        {{ clean_text('source."MeterCategory"') }} as service_name,
        {{ clean_text('source."ResourceLocation"') }} as region_id,
        {{ clean_text('coalesce(source."MeterId", source."ProductId")') }} as sku_id,
        {{ clean_text('source."PartNumber"') }} as sku_price_id,
        {{ clean_text('coalesce(source."Quantity", source."UsageQuantity")') }} as quantity_text,
        {{ clean_text('source."UnitOfMeasure"') }} as unit_of_measure,
        {{ clean_text('coalesce(source."CostInBillingCurrency", source."Cost", source."PreTaxCost")') }}
            as cost_text,
        {{ clean_text('source."EffectivePrice"') }} as effective_price_text,
        {{ clean_text('coalesce(source."UnitPrice", source."ResourceRate")') }} as unit_price_text,
        {{ clean_text('source."PayGPrice"') }} as payg_price_text,
        {{ clean_text('coalesce(source."ReservationId", source."BenefitId")') }} as commitment_discount_id,
        {{ clean_text('source."PricingModel"') }} as pricing_model,
        {{ clean_text('source."Tags"') }} as tags_text,
        upper(
            {{ clean_text(
                'coalesce(source."BillingCurrency", source."BillingCurrencyCode", source."Currency")'
            ) }}
        ) as billing_currency,

    from source

),

typed as (

    select
        renamed.*,
        currencies.currency_code is not null as is_declared_currency,
        pricing_units.pricing_block_size,
        pricing_units.distinct_unit,
        case
            when renamed.charge_type = 'Refund' then 'Purchase'
            when renamed.charge_type in ('Usage', 'UnusedReservation', 'UnusedSavingsPlan') then 'Usage'
            when renamed.charge_type = 'Purchase' then 'Purchase'
            when renamed.charge_type = 'Tax' then 'Tax'
            when renamed.charge_type = 'RoundingAdjustment' then 'Adjustment'
            when renamed.charge_type = 'Credit' then 'Credit'
        end as charge_category,
        case when renamed.charge_type = 'Refund' then 'Correction' end as charge_class,
        case lower(renamed.frequency)
            when 'usagebased' then 'Usage-Based'
            when 'onetime' then 'One-Time'
            when 'recurring' then 'Recurring'
        end as charge_frequency,
        {{ parse_vendor_timestamp('billing_period_start_text') }} as billing_period_start_at,
        -- Azure's billing period end is the inclusive last day.
        {{ parse_vendor_timestamp('billing_period_end_text') }} + interval 1 day as billing_period_end_at,
        {{ parse_vendor_timestamp('charge_date_text') }} as charge_period_start_at,
        {{ parse_vendor_decimal('quantity_text') }} as quantity,
        {{ parse_vendor_amount('cost_text') }} as cost,
        {{ parse_vendor_decimal('effective_price_text') }} as effective_price,
        {{ parse_vendor_decimal('unit_price_text') }} as unit_price,
        {{ parse_vendor_decimal('payg_price_text') }} as payg_price,
        {{ normalise_tags('tags_text') }} as tags,

    from renamed
    left join currencies
        on renamed.billing_currency = currencies.currency_code
    left join pricing_units
        on lower(renamed.unit_of_measure) = pricing_units.unit_key

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('ChargeType', 'charge_type'),
            check_rule(
                'charge_type is not null and charge_category is null',
                "'ChargeType=''' || charge_type || ''' is not a known Azure charge type'"
            ),
            check_present('Cost', 'cost_text'),
            check_parsed('Cost', 'cost_text', 'cost'),
            check_present('BillingCurrency', 'billing_currency'),
            check_rule(
                'billing_currency is not null and not is_declared_currency',
                "'BillingCurrency=''' || billing_currency || ''' is not a declared currency'"
            ),
            check_present('Date', 'charge_date_text'),
            check_parsed('Date', 'charge_date_text', 'charge_period_start_at'),
            check_parsed('BillingPeriodStartDate', 'billing_period_start_text', 'billing_period_start_at'),
            check_parsed('BillingPeriodEndDate', 'billing_period_end_text', 'billing_period_end_at'),
            check_present('Quantity', 'quantity_text'),
            check_parsed('Quantity', 'quantity_text', 'quantity'),
            check_rule(
                'unit_of_measure is not null and pricing_block_size is null',
                "'UnitOfMeasure=''' || unit_of_measure || ''' is not in azure_pricing_units'"
            ),
            check_parsed('EffectivePrice', 'effective_price_text', 'effective_price'),
            check_parsed('UnitPrice', 'unit_price_text', 'unit_price'),
            check_parsed('PayGPrice', 'payg_price_text', 'payg_price'),
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
        layout_variant,
        invoice_id,
        billing_account_id,
        sub_account_id,
        'Microsoft' as provider_name,
        charge_category,
        charge_class,
        charge_description,
        charge_frequency,
        billing_period_start_at,
        billing_period_end_at,
        charge_period_start_at,
        charge_period_start_at + interval 1 day as charge_period_end_at,
        resource_id,
        resource_name,
        service_name,
        region_id,
        sku_id,
        sku_price_id,
        cast(quantity * coalesce(pricing_block_size, 1) as decimal(38, 6)) as pricing_quantity,
        coalesce(distinct_unit, unit_of_measure) as pricing_unit,
        cast(quantity * coalesce(pricing_block_size, 1) as decimal(38, 6)) as consumed_quantity,
        coalesce(distinct_unit, unit_of_measure) as consumed_unit,
        cost as billed_cost,
        -- Actual view: purchases are billed and not amortised; the amortised view spreads them.
        cost as effective_cost,
        cast(quantity * payg_price as decimal(38, 6)) as list_cost,
        cast(quantity * unit_price as decimal(38, 6)) as contracted_cost,
        {{ decimal_div_integer('payg_price', 'coalesce(pricing_block_size, 1)') }} as list_unit_price,
        {{ decimal_div_integer('unit_price', 'coalesce(pricing_block_size, 1)') }} as contracted_unit_price,
        billing_currency,
        commitment_discount_id,
        case when pricing_model in ('Reservation', 'SavingsPlan') then pricing_model end
            as commitment_discount_type,
        tags,
        unit_of_measure,
        pricing_block_size,
        cost_view,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
