{#-
    The instant exception ages are measured to: var('as_of_date') (YYYY-MM-DD, UTC midnight) when
    given, else the end of the billing period. Never the wall clock, so re-runs are identical.
-#}
{% macro as_of_at() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of is none -%}
        {{ billing_period_end() }}
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of | string) -%}
            {{ exceptions.raise_compiler_error("var('as_of_date') must be YYYY-MM-DD, got '" ~ as_of ~ "'") }}
        {%- endif -%}
        timestamp '{{ as_of }} 00:00:00'
    {%- endif -%}
{%- endmacro %}
