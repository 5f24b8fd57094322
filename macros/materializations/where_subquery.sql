{#- dbt's `where` config of data tests, with `{billing_period}` replaced by the period under
    run: dbt_project.yml is rendered when dbt parses, before any period is known, so the marts'
    tests name the period by this placeholder (see `data_tests` there). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('{billing_period}', billing_period_literal()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
