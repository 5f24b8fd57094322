{#-
    Text helpers of the exported documents. Amounts are written from integer minor units
    (never through a float); numbers lose their trailing zeros; a text cell a spreadsheet
    would evaluate as a formula gets a leading quote.
-#}

{#- The invoice text for a key in a language, the English text when the language has none. -#}
{% macro invoice_text(texts, key, language_code) -%}
    coalesce(
        (select t.text from {{ texts }} as t where t.text_key = {{ key }} and t.language_code = {{ language_code }}),
        (select t.text from {{ texts }} as t where t.text_key = {{ key }} and t.language_code = 'en')
    )
{%- endmacro %}

{#- A DECIMAL without trailing zeros (`0.031500` -> `0.0315`, `10.000` -> `10`), as text. -#}
{% macro plain_number(value) -%}
    case when cast({{ value }} as varchar) like '%.%'
        then rtrim(rtrim(cast({{ value }} as varchar), '0'), '.') else cast({{ value }} as varchar) end
{%- endmacro %}
