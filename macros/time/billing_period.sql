{#- The billing period under run: var('billing_period') as YYYY-MM, validated once here. -#}
{% macro billing_period() -%}
    {%- set period = var('billing_period') | string -%}
    {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', period) -%}
        {{ exceptions.raise_compiler_error("var('billing_period') must be YYYY-MM, got '" ~ period ~ "'") }}
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
