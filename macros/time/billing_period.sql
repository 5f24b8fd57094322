{#- The billing period under run, MET_BILLING_PERIOD as YYYY-MM, validated once here. It is read
    when a node runs, never while dbt parses: a value passed with --vars would make dbt parse
    the whole project again for every period (orchestration/wiring/dbt_warehouse.py). -#}
{% macro billing_period() -%}
    {%- if not execute -%}
        {{ return('1970-01') }}
    {%- endif -%}
    {%- set period = env_var('MET_BILLING_PERIOD', '') -%}
    {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', period) -%}
        {{ exceptions.raise_compiler_error("MET_BILLING_PERIOD must be YYYY-MM, got '" ~ period ~ "'") }}
    {%- endif -%}
    {{ return(period) }}
{%- endmacro %}

{#- The period as a SQL string literal, e.g. '2026-10'. -#}
{% macro billing_period_literal() -%}
    '{{ billing_period() }}'
{%- endmacro %}

{#- First UTC instant of the period (inclusive), as a TIMESTAMP literal. -#}
{% macro billing_period_start() -%}
    timestamp '{{ billing_period() }}-01 00:00:00'
{%- endmacro %}

{#- First UTC instant of the next period (exclusive end), as a TIMESTAMP literal. -#}
{% macro billing_period_end() -%}
    {%- set year = billing_period()[0:4] | int -%}
    {%- set month = billing_period()[5:7] | int -%}
    {%- if month == 12 -%}
        {%- set next_year, next_month = year + 1, 1 -%}
    {%- else -%}
        {%- set next_year, next_month = year, month + 1 -%}
    {%- endif -%}
    timestamp '{{ "%04d-%02d" | format(next_year, next_month) }}-01 00:00:00'
{%- endmacro %}

{#- The month before the period, as a SQL string literal: the history a baseline looks back on. -#}
{% macro previous_billing_period_literal() -%}
    {%- set year = billing_period()[0:4] | int -%}
    {%- set month = billing_period()[5:7] | int -%}
    {%- if month == 1 -%}
        {%- set year, month = year - 1, 12 -%}
    {%- else -%}
        {%- set month = month - 1 -%}
    {%- endif -%}
    '{{ "%04d-%02d" | format(year, month) }}'
{%- endmacro %}

{#- The `count` months before the period, most recent first, as comma-separated SQL string
    literals (e.g. '2026-09', '2026-08'): the declared look-back of a baseline that reads
    earlier partitions of a mart. -#}
{% macro previous_billing_period_literals(count) -%}
    {%- set year = billing_period()[0:4] | int -%}
    {%- set month = billing_period()[5:7] | int -%}
    {%- set literals = [] -%}
    {%- for back in range(1, count + 1) -%}
        {%- set months = year * 12 + month - 1 - back -%}
        {%- do literals.append("'%04d-%02d'" | format(months // 12, months % 12 + 1)) -%}
    {%- endfor -%}
    {{ literals | join(', ') }}
{%- endmacro %}

{#- The period's last UTC day, as a DATE: the day whose FX rate `period_end` conversions use. -#}
{% macro billing_period_last_day() -%}
    cast({{ billing_period_end() }} - interval 1 day as date)
{%- endmacro %}

{#- Whether a row's file belongs to the period being billed: it holds a valid row of the
    period, or no valid row at all. Decides `late_usage` (an old row in this period's drop)
    versus `outside_period` (a file of another period). A window over source_file; with
    aggregate=true the same rule as plain aggregates, for a query grouped by source_file (a large
    model joins that per-file answer back instead of carrying every row through a window). -#}
{% macro is_file_in_period(is_valid_row, is_row_in_period, aggregate=false) -%}
    {%- set over = '' if aggregate else ' over (partition by source_file)' -%}
    (
        bool_or({{ is_valid_row }} and {{ is_row_in_period }}){{ over }}
        or not bool_or({{ is_valid_row }}){{ over }}
    )
{%- endmacro %}
