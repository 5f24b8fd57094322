{#-
    Typing helpers for cloud vendor billing exports (FOCUS, AWS CUR, Azure cost details,
    Google Cloud billing export). Like parsing.sql they return NULL instead of failing, so
    staging can quarantine the row and name the column and value.
-#}

{#-
    Vendor timestamp text -> TIMESTAMP (naive UTC). Accepts ISO-8601 with `Z`, fractions,
    an explicit offset (`2026-10-01T00:00:00-07:00`, converted to UTC), a trailing ` UTC`
    (BigQuery CSV), a space instead of `T`, a bare date, and US dates `M/D/YYYY` with or
    without leading zeros (Azure cost details).
-#}
{% macro parse_vendor_timestamp(expression) -%}
    coalesce(
        try_strptime({{ expression }}, [
            '%Y-%m-%dT%H:%M:%SZ',
            '%Y-%m-%dT%H:%M:%S.%fZ',
            '%Y-%m-%d %H:%M:%S',
            '%Y-%m-%d %H:%M:%S.%f',
            '%Y-%m-%dT%H:%M:%S',
            '%Y-%m-%dT%H:%M:%S.%f',
            '%Y-%m-%d %H:%M:%S UTC',
            '%Y-%m-%d %H:%M:%S.%f UTC',
            '%Y-%m-%dT%H:%MZ',
            '%Y-%m-%d',
            '%m/%d/%Y',
            '%m/%d/%Y %H:%M:%S',
            '%m/%d/%Y %I:%M:%S %p'
        ]),
        timezone('UTC', try_strptime({{ expression }}, [
            '%Y-%m-%dT%H:%M:%S%z',
            '%Y-%m-%dT%H:%M:%S.%f%z',
            '%Y-%m-%d %H:%M:%S%z',
            '%Y-%m-%d %H:%M:%S.%f%z'
        ]))
    )
{%- endmacro %}

{#-
    Number text -> DECIMAL(38,6), accepting scientific notation (`1.2E-5`, CUR) and a
    leading `+`. Never goes through DOUBLE.
-#}
{% macro parse_vendor_decimal(expression) -%}
    try_cast(trim({{ expression }}) as decimal(38, 6))
{%- endmacro %}

{#-
    Tags text -> a JSON object text with trimmed keys (`{" env": "dev"}` -> `{"env":"dev"}`).
    Azure writes tags without the braces; they are added. NULL when empty or not a JSON
    object (check_parsed then names the column and the value).
-#}
{% macro normalise_tags(expression) -%}
    case
        when json_valid({{ _tags_object_text(expression) }})
            and json_type({{ _tags_object_text(expression) }}) = 'OBJECT'
            then '{' || array_to_string(
                list_transform(
                    json_keys({{ _tags_object_text(expression) }}),
                    lambda k: to_json(trim(k)) || ':' || json_extract({{ _tags_object_text(expression) }}, '$.' || to_json(k))
                ),
                ','
            ) || '}'
    end
{%- endmacro %}

{% macro _tags_object_text(expression) -%}
    (case when starts_with({{ expression }}, '{') then {{ expression }} else '{' || {{ expression }} || '}' end)
{%- endmacro %}

{#- A FOCUS enumerated value in its canonical spelling, whatever the case (`Usage-based`). -#}
{% macro canonical_focus_value(expression, values) -%}
    case lower({{ expression }})
        {%- for value in values %}
        when '{{ value | lower }}' then '{{ value }}'
        {%- endfor %}
        else {{ expression }}
    end
{%- endmacro %}

{#-
    Cleaned text of whichever spelling of a column the row's file used (AWS CUR legacy
    `lineItem/UsageAmount` or CUR 2.0 `line_item_usage_amount`: a file has one of them).
-#}
{% macro either_column(first, second, relation='source') -%}
    {{ clean_text('coalesce(' ~ relation ~ '."' ~ first ~ '", ' ~ relation ~ '."' ~ second ~ '")') }}
{%- endmacro %}

{#-
    A DECIMAL(38,6) divided by a whole number (a pack size, 2^30 bytes per GiB), rounded
    half-even to 6 decimals on integers (DECIMAL / DECIMAL would give DOUBLE in DuckDB).
-#}
{% macro decimal_div_integer(value, divisor) -%}
    cast(
        cast({{ round_half_even_div(decimal_to_scaled_integer(value), 'cast(' ~ divisor ~ ' as hugeint)') }} as decimal(38, 0))
        * cast(0.000001 as decimal(7, 6))
        as decimal(38, 6)
    )
{%- endmacro %}
