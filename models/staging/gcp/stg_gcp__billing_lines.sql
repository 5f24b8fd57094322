{#-
    Google Cloud billing export rows (the BigQuery schema flattened to CSV or Parquet, with
    `.` or `_` between record and field; the ingest folds both to `_`) of the current file
    versions, in the FOCUS-aligned staged shape, one line per charge plus one line per entry
    of its `credits` list (a JSON array of negative amounts, or the same as a Python literal
    with single quotes and None, as flattening tools write it; anything else is quarantined): line_number_in_row 1 is the
    charge, 2.. its credits, all with the raw row's file and row number. Timestamps carry
    offsets (`2026-10-01T00:00:00-07:00`) and are converted to UTC. Usage in bytes is priced
    in GiB: usage.amount_in_pricing_units when given, else bytes / 2^30.
-#}

with

currencies as (

    select * from {{ ref('currencies') }}

),

source as (

    {{ current_rows(source('gcp', 'gcp_billing_lines')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        source._layout as layout_variant,
        {{ clean_text('source.billing_account_id') }} as billing_account_id,
        {{ clean_text('source.invoice_month') }} as invoice_month,
        {{ clean_text('source.project_id') }} as sub_account_id,
        {{ clean_text('source.service_description') }} as service_name,
        {{ clean_text('source.sku_id') }} as sku_id,
        {{ clean_text('source.sku_description') }} as charge_description,
        {{ clean_text('source.usage_start_time') }} as charge_period_start_text,
        {{ clean_text('source.usage_end_time') }} as charge_period_end_text,
        {{ clean_text('coalesce(source.location_region, source.location_location)') }} as region_id,
        {{ clean_text('coalesce(source.resource_global_name, source.resource_name)') }} as resource_id,
        {{ clean_text('source.resource_name') }} as resource_name,
        {{ clean_text('source.labels') }} as tags_text,
        {{ clean_text('source.cost') }} as cost_text,
        {{ clean_text('source.cost_type') }} as cost_type,
        {{ clean_text('source.usage_amount') }} as usage_amount_text,
        {{ clean_text('source.usage_unit') }} as usage_unit,
        {{ clean_text('source.usage_amount_in_pricing_units') }} as usage_in_pricing_units_text,
        {{ clean_text('source.usage_pricing_unit') }} as usage_pricing_unit,
        {{ clean_text('source.price_effective_price') }} as effective_price_text,
        coalesce({{ clean_text('source.credits') }}, '[]') as credits_text,
        upper({{ clean_text('source.currency') }}) as billing_currency,

    from source

),

typed as (

    select
        renamed.*,
        currencies.currency_code is not null as is_declared_currency,
        case lower(coalesce(renamed.cost_type, 'regular'))
            when 'regular' then 'Usage'
            when 'tax' then 'Tax'
            when 'adjustment' then 'Adjustment'
            when 'rounding_error' then 'Adjustment'
        end as charge_category,
        try_strptime(renamed.invoice_month, '%Y%m') as billing_period_start_at,
        {{ parse_vendor_timestamp('charge_period_start_text') }} as charge_period_start_at,
        {{ parse_vendor_timestamp('charge_period_end_text') }} as charge_period_end_at,
        {{ parse_vendor_amount('cost_text') }} as cost,
        {{ parse_vendor_decimal('usage_amount_text') }} as usage_amount,
        {{ parse_vendor_decimal('usage_in_pricing_units_text') }} as usage_in_pricing_units,
        {{ parse_vendor_decimal('effective_price_text') }} as effective_price,
        {{ normalise_tags('tags_text') }} as tags,
        {{ json_or_python_literal('renamed.credits_text') }} as credits_json,

    from renamed
    left join currencies
        on renamed.billing_currency = currencies.currency_code

),

credits_checked as (

    select
        typed.*,
        case
            when json_type(typed.credits_json) = 'ARRAY'
                then cast(json_array_length(typed.credits_json) as bigint)
            -- `None` (a Python literal's null) is no credits, like an empty cell.
            when json_type(typed.credits_json) = 'NULL' then cast(0 as bigint)
        end as credit_count,
        case
            when json_type(typed.credits_json) = 'ARRAY'
                then {{ list_all(list_map(
                        list_of_indexes('cast(json_array_length(typed.credits_json) as bigint)'),
                        'i',
                        parse_vendor_decimal(
                            "json_extract_string(typed.credits_json, '$[' || i || '].amount')"
                        ) ~ ' is not null'
                    )) }}
        end as are_credit_amounts_valid,

    from typed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_present('sku.id', 'sku_id'),
            check_present('cost', 'cost_text'),
            check_parsed('cost', 'cost_text', 'cost'),
            check_rule(
                'charge_category is null',
                "'cost_type=''' || cost_type || ''' is not a known cost type'"
            ),
            check_present('currency', 'billing_currency'),
            check_rule(
                'billing_currency is not null and not is_declared_currency',
                "'currency=''' || billing_currency || ''' is not a declared currency'"
            ),
            check_present('usage_start_time', 'charge_period_start_text'),
            check_parsed('usage_start_time', 'charge_period_start_text', 'charge_period_start_at'),
            check_present('usage_end_time', 'charge_period_end_text'),
            check_parsed('usage_end_time', 'charge_period_end_text', 'charge_period_end_at'),
            check_parsed('invoice.month', 'invoice_month', 'billing_period_start_at'),
            check_parsed('usage.amount', 'usage_amount_text', 'usage_amount'),
            check_parsed('usage.amount_in_pricing_units', 'usage_in_pricing_units_text', 'usage_in_pricing_units'),
            check_parsed('price.effective_price', 'effective_price_text', 'effective_price'),
            check_parsed('labels', 'tags_text', 'tags'),
            check_rule(
                'credit_count is null or not coalesce(are_credit_amounts_valid, true)',
                "'credits=''' || credits_text || ''' is not a list (JSON or Python literal) of credits with numeric amounts'"
            ),
        ]) }} as quarantine_detail,

    from credits_checked

),

charges as (

    select
        *,
        cast(1 as bigint) as line_number_in_row,
        'Usage' as line_kind,
        cost as line_amount,
        cast(null as varchar) as credit_name,
    from validated

),

credits as (

    select
        validated.*,
        credit_indexes.credit_index + 2 as line_number_in_row,
        'Credit' as line_kind,
        {{ parse_vendor_amount(
            "json_extract_string(validated.credits_json, '$[' || credit_indexes.credit_index || '].amount')"
        ) }}
            as line_amount,
        coalesce(
            json_extract_string(validated.credits_json, '$[' || credit_indexes.credit_index || '].full_name'),
            json_extract_string(validated.credits_json, '$[' || credit_indexes.credit_index || '].name'),
            json_extract_string(validated.credits_json, '$[' || credit_indexes.credit_index || '].type')
        ) as credit_name,
    from validated
    -- one row per credit of the line; a lateral subquery reads the row it expands, so no CTE can
    cross join lateral (  -- noqa: ST05
        select {{ list_rows(list_of_indexes('coalesce(validated.credit_count, 0)')) }} as credit_index
    ) as credit_indexes

),

lines as (

    select * from charges
    union all
    select * from credits

),

final as (

    select
        source_file,
        source_row,
        line_number_in_row,
        file_sha256,
        vendor_id,
        layout_variant,
        cast(null as varchar) as invoice_id,
        billing_account_id,
        sub_account_id,
        'Google Cloud' as provider_name,
        case when line_kind = 'Credit' then 'Credit' else charge_category end as charge_category,
        cast(null as varchar) as charge_class,
        case when line_kind = 'Credit' then credit_name else charge_description end as charge_description,
        case when line_kind = 'Credit' then 'Usage-Based' else 'Usage-Based' end as charge_frequency,
        billing_period_start_at,
        billing_period_start_at + interval 1 month as billing_period_end_at,
        charge_period_start_at,
        charge_period_end_at,
        resource_id,
        resource_name,
        service_name,
        region_id,
        sku_id,
        cast(null as varchar) as sku_price_id,
        case
            when line_kind = 'Credit' then null
            when usage_in_pricing_units is not null then usage_in_pricing_units
            when lower(usage_unit) = 'bytes' then {{ decimal_div_integer('usage_amount', 1073741824) }}
            else usage_amount
        end as pricing_quantity,
        case
            when line_kind = 'Credit' then null
            when usage_in_pricing_units is not null then usage_pricing_unit
            when lower(usage_unit) = 'bytes' then 'gibibyte'
            else usage_unit
        end as pricing_unit,
        case when line_kind = 'Credit' then null else usage_amount end as consumed_quantity,
        case when line_kind = 'Credit' then null else usage_unit end as consumed_unit,
        line_amount as billed_cost,
        line_amount as effective_cost,
        case when line_kind = 'Credit' then null else effective_price end as contracted_unit_price,
        billing_currency,
        tags,
        credits_text,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from lines

)

select * from final
