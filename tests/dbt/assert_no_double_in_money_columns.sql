{{ config(meta={"dagster": {"ref": {"name": "rpt_billing_control_totals"}}}) }}
-- depends_on: {{ ref('fct_billing_exceptions') }}
-- depends_on: {{ ref('rpt_billing_control_totals') }}
-- depends_on: {{ ref('rpt_row_conservation') }}
-- Money and quantities are never DOUBLE/FLOAT anywhere in the warehouse's models.
select
    table_schema,
    table_name,
    column_name,
    data_type,
from information_schema.columns
where table_schema in ('staging', 'intermediate', 'marts', 'policy')
    and data_type in ('DOUBLE', 'FLOAT', 'REAL')
