{%- set canonical_columns = [
    'invoice_id', 'line_id', 'period_start', 'period_end', 'description',
    'item_code', 'quantity', 'unit', 'unit_price', 'amount',
] -%}

with

layout_columns as (

    select * from {{ ref('colo_layout_columns') }}

),

vendor_layouts as (

    select * from {{ ref('colo_vendor_layouts') }}

),

layouts as (

    select
        vendor_layouts.vendor_id,
        vendor_layouts.decimal_separator,
        vendor_layouts.date_format,
        vendor_layouts.currency_code,
    {%- for column in canonical_columns %}
    max(layout_columns.source_column) filter (
        where layout_columns.canonical_column = '{{ column }}'
    ) as {{ column }}_column,
    {%- endfor %}

    from vendor_layouts
    left join layout_columns
        on vendor_layouts.vendor_id = layout_columns.vendor_id
    group by all

),

source as (

    {{ current_rows(source('colo', 'colo_invoice_lines')) }}

),

renamed as (

    select
        source._source_file as source_file,
        cast(source._source_row as bigint) as source_row,
        source._file_sha256 as file_sha256,
        source._source_id as vendor_id,
        layouts.vendor_id is not null as is_declared_vendor,
        layouts.decimal_separator,
        layouts.date_format,
        layouts.currency_code,
    {%- for column in canonical_columns %}
    {{ clean_text("json_extract_string(source.record, '$.\"' || layouts." ~ column ~ "_column || '\"')") }}
        as {{ column }}_text,
    {%- endfor %}

    from source
    left join layouts
        on source._source_id = layouts.vendor_id

),

typed as (

    select
        *,
        {{ parse_vendor_date('period_start_text', 'date_format') }} as period_start_date,
        {{ parse_vendor_date('period_end_text', 'date_format') }} as period_end_date,
        {{ parse_decimal('quantity_text', 'decimal_separator') }} as quantity,
        {{ parse_decimal('unit_price_text', 'decimal_separator') }} as unit_price,
        {{ parse_decimal('amount_text', 'decimal_separator') }} as amount,

    from renamed

),

validated as (

    select
        *,
        {{ quarantine_detail([
            check_rule('not is_declared_vendor', "'_source_id=''' || coalesce(vendor_id, '') || ''' is not a declared colocation vendor'"),
            check_present('invoice_id', 'invoice_id_text'),
            check_present('item_code', 'item_code_text'),
            check_present('period_start', 'period_start_text'),
            check_parsed('period_start', 'period_start_text', 'period_start_date'),
            check_present('period_end', 'period_end_text'),
            check_parsed('period_end', 'period_end_text', 'period_end_date'),
            check_rule('period_end_date < period_start_date', "'period_end=''' || period_end_text || ''' is before period_start'"),
            check_present('quantity', 'quantity_text'),
            check_parsed('quantity', 'quantity_text', 'quantity'),
            check_parsed('unit_price', 'unit_price_text', 'unit_price'),
            check_present('amount', 'amount_text'),
            check_parsed('amount', 'amount_text', 'amount'),
        ]) }} as quarantine_detail,

    from typed

),

final as (

    select
        source_file,
        source_row,
        file_sha256,
        vendor_id,
        invoice_id_text as invoice_id,
        line_id_text as line_id,
        description_text as line_description,
        item_code_text as item_code,
        period_start_date,
        period_end_date,
        cast(period_start_date as timestamp) as charge_period_start_at,
        cast(period_end_date as timestamp) + interval 1 day as charge_period_end_at,
        quantity,
        unit_text as unit,
        unit_price,
        amount,
        currency_code,
        {{ quarantine_reason() }} as quarantine_reason,
        quarantine_detail,

    from validated

)

select * from final
