{#- Columns as one text, `|`-separated, NULL as an empty field: the canonical form a policy
    row is fingerprinted in (int_rate_card_versions__fingerprinted). -#}
{% macro stable_text(expressions) -%}
    concat_ws('|',
        {%- for expression in expressions %}
        coalesce(cast({{ expression }} as varchar), ''){% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
