{#- Fails with one row per listed column that holds a null, naming the column and how many rows.
    One pass over the model for all its columns: a test per column would cost dbt a node each. -#}
{% test not_null_columns(model, columns) %}

with null_counts as (
    select
{%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
{%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif -%}
{% endfor %}
{% endtest %}
