{#- A model's column rules (not null, unique, accepted values) checked in one test: one row per
    broken rule, naming the column, the rule and how many rows (or, for uniqueness, how many
    repeated values) break it. A test per column and rule would cost dbt a node each, and dbt's
    work per node outweighs the query on all but the largest models. The not-null and
    accepted-values rules share one pass over the model; each uniqueness rule groups it once. -#}
{% test column_rules(model, not_null=[], unique=[], accepted_values={}) %}

{%- set value_columns = accepted_values | list -%}
{#- Accepted values as SQL literals: strings quoted, numbers and booleans as written. -#}
{%- set literals = {} -%}
{%- for column, values in accepted_values.items() -%}
    {%- set rendered = [] -%}
    {%- for value in values -%}
        {%- do rendered.append("'" ~ value | replace("'", "''") ~ "'" if value is string else value | string) -%}
    {%- endfor -%}
    {%- do literals.update({column: rendered | join(', ')}) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- for key in unique -%}
    {%- do keys.append([key] if key is string else key) -%}
{%- endfor %}

{#- The rules counted in one pass: (column, rule, the condition a breaking row meets). -#}
{%- set counted = [] -%}
{%- for column in not_null -%}
    {%- do counted.append([column, "not_null", column ~ " is null"]) -%}
{%- endfor -%}
{%- for column in value_columns -%}
    {%- do counted.append(
        [column, "accepted_values", column ~ " is not null and " ~ column ~ " not in (" ~ literals[column] ~ ")"]
    ) -%}
{%- endfor %}

with

{% if counted -%}
row_counts as (
    select
{%- for column, rule, condition in counted %}
        sum(case when {{ condition }} then 1 else 0 end) as breaking_rows_{{ loop.index }}{{ "," if not loop.last }}
{%- endfor %}
    from {{ model }}
),

{% endif -%}
failures as (
{%- set parts = [] -%}
{%- for column, rule, condition in counted %}
    {%- do parts.append(
        "select '" ~ column ~ "' as column_name, '" ~ rule ~ "' as rule, breaking_rows_" ~ loop.index
        ~ " as failing_count from row_counts"
    ) -%}
{%- endfor %}
{%- for key in keys %}
    {#- dbt's `unique` skips nulls; a combination of columns counts a null as a value. -#}
    {%- do parts.append(
        "select '" ~ key | join(', ') ~ "' as column_name, 'unique' as rule, count(*) as failing_count"
        ~ " from (select " ~ key | join(', ') ~ " from " ~ model
        ~ (" where " ~ key[0] ~ " is not null" if key | length == 1 else "")
        ~ " group by " ~ key | join(', ') ~ " having count(*) > 1) as repeated_" ~ loop.index
    ) -%}
{%- endfor %}
{%- for part in parts %}
    {{ part }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)

select column_name, rule, failing_count
from failures
where failing_count > 0

{% endtest %}
