-- A table, not a view: its data tests and the models downstream read it many times a run.
{{ config(materialized='table') }}

{#-
    Every staged row of every source (usage, billing and reference) that carries a
    quarantine reason: kept, not used, and reported with the column and offending value.
    Read from int_source_rows__classified, where every staged row appears once (usage and
    billing rows already parsed into their classification tables).
-#}

with

classified_rows as (

    select * from {{ ref('int_source_rows__classified') }}
    where row_status = 'quarantined'

),

final as (

    select
        {{ stable_hash(['source_file', 'source_row']) }} as quarantined_row_id,
        source_kind,
        source_id,
        source_file,
        source_row,
        starts_with(source_kind, 'reference_') as is_reference_row,
        reason_code as quarantine_reason,
        detail as quarantine_detail,
    from classified_rows

)

select * from final
