{#- dbt's var() for the SQL linter: the project default of billing_period (dbt_project.yml). -#}
{% macro var(name, default=none) -%}
    {%- if name == 'billing_period' -%}2026-10{%- else -%}{{ default if default is not none else name }}{%- endif -%}
{%- endmacro %}
