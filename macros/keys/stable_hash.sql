{#-
    A stable identifier: md5 of the given column expressions as text, with NULL written as
    a marker so that ('a', NULL) and (NULL, 'a') differ. Same inputs, same id, on every run.
-#}
{% macro stable_hash(expressions) -%}
    md5(concat_ws('|',
        {%- for expression in expressions %}
        coalesce(cast({{ expression }} as varchar), '<null>'){% if not loop.last %},{% endif %}
        {%- endfor %}
    ))
{%- endmacro %}
