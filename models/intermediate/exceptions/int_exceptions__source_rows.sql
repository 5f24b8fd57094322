{#-
    Row-level exceptions: duplicate_usage, requeued_attempt, late_usage, double_billed and
    invalid_value, one per row of int_source_rows__classified that ended there, for files
    delivered for this period (every invalid row of the current reference files is one of
    them). A double-billed vendor line carries its billed amount as the money at risk.
-#}

with

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}
    where reason_code in (
            'duplicate_usage', 'requeued_attempt', 'late_usage', 'double_billed', 'invalid_value'
        )
        and is_file_in_period

),

final as (

    select
        reason_code,
        case
            when source_kind like 'energy_%' then 'energy'
            when source_kind like 'reference_%' then 'reference'
            else source_kind
        end as source_system,
        source_file,
        source_row,
        vendor_id,
        vendor_sku_id,
        vendor_item_code,
        site_id,
        resource_id,
        cast(null as varchar) as customer_id,
        subject_type,
        subject_id,
        job_id,
        cast(null as varchar) as sku_id,
        cast(null as decimal(38, 6)) as quantity_base,
        case when reason_code = 'double_billed' then billed_amount end as amount_at_risk,
        case when reason_code = 'double_billed' then currency_code end as currency_code,
        detail,
    from classified_rows

)

select * from final
