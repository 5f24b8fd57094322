-- A table, not a view: its data tests and the models downstream read it many times a run.
{{ config(materialized='table') }}

{#-
    Conservation per vendor billing file, in rows and in money: every raw row of the current
    file versions (counted and summed straight from the raw tables, independently of
    staging) ends as canonical, duplicate, quarantined or excluded lines in
    int_vendor_charges__unified, and the amounts of those lines add up to the raw amount
    (Google credits included: a raw row's amount is its cost plus its credits). is_balanced
    is false when a row or a cent was lost or counted twice between raw and unified.
-#}

with

focus_raw as (

    select
        _source_file as source_file,
        count(*) as raw_rows,
        sum({{ parse_vendor_amount(clean_text('"BilledCost"', ['NULL'])) }}) as raw_amount,
    from ({{ current_rows(source('focus', 'focus_charges')) }})
    group by _source_file

),

aws_cur_raw as (

    select
        _source_file as source_file,
        count(*) as raw_rows,
        sum({{ parse_vendor_amount('coalesce("lineItem/UnblendedCost", line_item_unblended_cost)') }})
            as raw_amount,
    from ({{ current_rows(source('aws_cur', 'aws_cur_line_items')) }})
    group by _source_file

),

azure_raw as (

    select
        _source_file as source_file,
        count(*) as raw_rows,
        sum({{ parse_vendor_amount('coalesce("CostInBillingCurrency", "Cost", "PreTaxCost")') }})
            as raw_amount,
    from ({{ current_rows(source('azure', 'azure_cost_details')) }})
    group by _source_file

),

gcp_raw as (

    select
        _source_file as source_file,
        count(*) as raw_rows,
        sum(
            coalesce({{ parse_vendor_amount('cost') }}, 0)
            + coalesce(
                case
                    when json_type({{ json_or_python_literal('credits') }}) = 'ARRAY'
                        then {{ list_total(list_map(
                                list_of_indexes(
                                    'cast(json_array_length(' ~ json_or_python_literal('credits') ~ ') as bigint)'
                                ),
                                'i',
                                'coalesce(' ~ parse_vendor_amount(
                                    "json_extract_string(" ~ json_or_python_literal('credits')
                                    ~ ", '$[' || i || '].amount')"
                                ) ~ ', 0)'
                            )) }}
                end,
                0
            )
        ) as raw_amount,
    from ({{ current_rows(source('gcp', 'gcp_billing_lines')) }})
    group by _source_file

),

oci_raw as (

    select
        _source_file as source_file,
        count(*) as raw_rows,
        sum({{ parse_vendor_amount('"cost/myCost"') }}) as raw_amount,
    from ({{ current_rows(source('oci', 'oci_cost_lines')) }})
    group by _source_file

),

colo_raw as (

    -- Colocation rows are JSON records in each vendor's layout; their amount is read through
    -- the layout seed in staging.
    select
        source_file,
        count(*) as raw_rows,
        sum(cast(amount as {{ vendor_amount_type() }})) as raw_amount,
    from {{ ref('stg_colo__invoice_lines') }}
    group by source_file

),

raw_files as (

    select
        'focus' as source_kind,
        *,
    from focus_raw
    union all
    select
        'aws_cur' as source_kind,
        *,
    from aws_cur_raw
    union all
    select
        'azure' as source_kind,
        *,
    from azure_raw
    union all
    select
        'gcp' as source_kind,
        *,
    from gcp_raw
    union all
    select
        'oci' as source_kind,
        *,
    from oci_raw
    union all
    select
        'colo' as source_kind,
        *,
    from colo_raw

),

unified_files as (

    select
        source_file,
        count_if(line_number_in_row = 1) as classified_rows,
        count(*) as classified_lines,
        sum(coalesce(billed_amount, 0)) filter (where row_status = 'canonical') as canonical_amount,
        sum(coalesce(billed_amount, 0)) filter (where row_status = 'duplicate') as duplicate_amount,
        sum(coalesce(billed_amount, 0)) filter (where row_status = 'quarantined') as quarantined_amount,
        sum(coalesce(billed_amount, 0)) filter (where row_status = 'excluded') as excluded_amount,
    from {{ ref('int_vendor_charges__unified') }}
    group by source_file

),

final as (

    select
        raw_files.source_kind,
        raw_files.source_file,
        cast(raw_files.raw_rows as bigint) as raw_rows,
        cast(coalesce(unified_files.classified_rows, 0) as bigint) as classified_rows,
        cast(coalesce(unified_files.classified_lines, 0) as bigint) as classified_lines,
        cast(coalesce(raw_files.raw_amount, 0) as {{ vendor_amount_type() }}) as raw_amount,
        cast(coalesce(unified_files.canonical_amount, 0) as {{ vendor_amount_type() }}) as canonical_amount,
        cast(coalesce(unified_files.duplicate_amount, 0) as {{ vendor_amount_type() }}) as duplicate_amount,
        cast(coalesce(unified_files.quarantined_amount, 0) as {{ vendor_amount_type() }})
            as quarantined_amount,
        cast(coalesce(unified_files.excluded_amount, 0) as {{ vendor_amount_type() }}) as excluded_amount,
        raw_files.raw_rows = coalesce(unified_files.classified_rows, 0)
        and coalesce(raw_files.raw_amount, 0)
        = coalesce(unified_files.canonical_amount, 0) + coalesce(unified_files.duplicate_amount, 0)
        + coalesce(unified_files.quarantined_amount, 0) + coalesce(unified_files.excluded_amount, 0)
            as is_balanced,
    from raw_files
    left join unified_files
        on raw_files.source_file = unified_files.source_file

)

select * from final
