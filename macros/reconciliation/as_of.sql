{#-
    The instant exception ages are measured to: MET_AS_OF_DATE (YYYY-MM-DD, UTC midnight) when
    set, else the end of the billing period. Never the wall clock, so re-runs are identical.
    Read when a node runs, like the period (macros/time/billing_period.sql).
-#}
{% macro as_of_at() -%}
    {%- set as_of = env_var('MET_AS_OF_DATE', '') if execute else '' -%}
    {%- if not as_of -%}
        {{ billing_period_end() }}
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of | string) -%}
            {{ exceptions.raise_compiler_error("MET_AS_OF_DATE must be YYYY-MM-DD, got '" ~ as_of ~ "'") }}
        {%- endif -%}
        timestamp '{{ as_of }} 00:00:00'
    {%- endif -%}
{%- endmacro %}
