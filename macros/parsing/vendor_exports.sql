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
    The type every vendor cost amount is kept in from the file to the reconciliation:
    16 decimals, as many as real exports write (an Azure EA cost such as
    `0.4838709677419368`), so file totals reconcile to the vendor's last digit. The one
    rounding is to minor units, in amount_to_minor_units.
-#}
{% macro vendor_amount_type() -%}
    decimal(38, 16)
{%- endmacro %}

{#- Cost text -> the vendor amount type (as parse_vendor_decimal, keeping 16 decimals). -#}
{% macro parse_vendor_amount(expression) -%}
    try_cast(trim({{ expression }}) as {{ vendor_amount_type() }})
{%- endmacro %}

{#-
    Tags or labels text -> a JSON object text with trimmed keys (`{" env": "dev"}` ->
    `{"env":"dev"}`), whatever documented shape the vendor wrote: an object, Azure's object
    without braces (`"env": "dev"`), Google's array of `{key, value}` pairs
    (`[{"key": "env", "value": "dev"}]`; `[]` is no labels), each possibly as a Python
    literal. NULL when empty or none of these (check_parsed then names the column and value).
-#}
{% macro normalise_tags(expression) -%}
    {%- set tags = _tags_json(expression) -%}
    {%- set indexes = list_of_indexes('cast(json_array_length(' ~ tags ~ ') as bigint)') -%}
    {%- set object_member -%}
        to_json(trim(k)) || ':' || json_extract({{ tags }}, '$.' || to_json(k))
    {%- endset -%}
    {%- set has_text_key -%}
        coalesce(json_type({{ tags }}, '$[' || i || '].key') = 'VARCHAR', false)
    {%- endset -%}
    {%- set pair_member -%}
        to_json(trim(json_extract_string({{ tags }}, '$[' || i || '].key')))
            || ':' || coalesce(json_extract({{ tags }}, '$[' || i || '].value'), 'null')
    {%- endset -%}
    case
        when json_type({{ tags }}) = 'OBJECT'
            then '{' || {{ list_to_text(list_map('json_keys(' ~ tags ~ ')', 'k', object_member), "','") }} || '}'
        when json_type({{ tags }}) = 'ARRAY'
            and coalesce({{ list_all(list_map(indexes, 'i', has_text_key)) }}, true)
            then '{' || {{ list_to_text(list_map(indexes, 'i', pair_member), "','") }} || '}'
    end
{%- endmacro %}

{#-
    One column per tag key (Oracle's `tags/Oracle-Tags.CreatedBy`) -> a JSON object text: each
    column of the relation whose name starts with the prefix and holds a non-empty value, as one
    key (the prefix removed, the rest trimmed) with its value as text. The tag columns are read
    from the raw table when the model runs, so a tag key a new file brings (a new raw column)
    needs no model change; a raw table without any tag column gives `{}`. Column by column
    (plain string functions), because reading the whole row as JSON costs far more.
-#}
{% macro tags_from_prefixed_columns(relation, prefix, row_alias) -%}
    {%- set tag_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name.startswith(prefix) -%}
                {%- do tag_columns.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    '{' || concat_ws(',', cast(null as varchar)
        {%- for name in tag_columns %}
        {%- set quoted = row_alias ~ '."' ~ name | replace('"', '""') ~ '"' %}
        {%- set key = name[(prefix | length):] | trim | replace("'", "''") %},
        case
            when nullif(trim({{ quoted }}), '') is not null
                then to_json('{{ key }}') || ':' || to_json({{ quoted }})
        end
        {%- endfor %}
    ) || '}'
{%- endmacro %}

{% macro _tags_json(expression) -%}
    {{ json_or_python_literal(
        "(case when starts_with(" ~ expression ~ ", '{') or starts_with(" ~ expression ~ ", '[') then "
        ~ expression ~ " else '{' || " ~ expression ~ " || '}' end)"
    ) }}
{%- endmacro %}

{#-
    Text that is JSON, or a Python literal of it (`[{'name': 'X', 'amount': -1.0}]`, `None`,
    `True`, as tools that flatten Google's export write it) -> JSON text; NULL when it is
    neither. Never evaluated: the text is split into quoted strings and the rest, single-quoted
    strings are re-quoted and the bare words None/True/False become null/true/false. Callers
    test the result with json_type, which is NULL (never an error) on NULL.
-#}
{% macro json_or_python_literal(expression) -%}
    case
        when json_valid({{ expression }}) then {{ expression }}
        when json_valid({{ _python_literal_as_json(expression) }}) then {{ _python_literal_as_json(expression) }}
    end
{%- endmacro %}

{% macro _python_literal_as_json(expression) -%}
    {%- set tokens -%}
        regexp_extract_all({{ expression }}, $$'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^'"]+$$)
    {%- endset -%}
    {%- set token_as_json -%}
        case
            when starts_with(t, '''') then '"' || replace(
                regexp_replace(substr(t, 2, length(t) - 2), $$\\'$$, '''', 'g'), '"', '\"'
            ) || '"'
            when starts_with(t, '"') then t
            else regexp_replace(
                regexp_replace(regexp_replace(t, '\bNone\b', 'null', 'g'), '\bTrue\b', 'true', 'g'),
                '\bFalse\b', 'false', 'g'
            )
        end
    {%- endset -%}
    {{ list_to_text(list_map(tokens, 't', token_as_json), "''") }}
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
        cast({{ round_half_even_div(decimal_to_scaled_integer(value), 'cast(' ~ divisor ~ ' as ' ~ exact_integer_type() ~ ')') }} as decimal(38, 0))
        * cast(0.000001 as decimal(7, 6))
        as decimal(38, 6)
    )
{%- endmacro %}
