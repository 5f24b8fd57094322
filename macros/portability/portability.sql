{#-
    The engine-specific SQL the models need, one dispatched macro per construct: DuckDB's form is
    `duckdb__<macro>`; another adapter (dbt-spark, say) adds its own `<adapter>__<macro>` beside it
    and no model changes. An adapter without one stops at compile time naming the macro, rather
    than running DuckDB syntax it would misread.
-#}

{#- The exact integer type of money arithmetic: 128 bits, so that amounts scaled to 10^-18 fit. -#}
{% macro exact_integer_type() -%}
    {{ return(adapter.dispatch('exact_integer_type', 'meterline')()) }}
{%- endmacro %}

{% macro duckdb__exact_integer_type() -%}
    hugeint
{%- endmacro %}

{#- numerator / denominator truncated towards zero, for exact integers (no DOUBLE on the way). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'meterline')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    {{ numerator }} // {{ denominator }}
{%- endmacro %}

{#- Each element of a list mapped through expression, in which `element` names the element. -#}
{% macro list_map(list, element, expression) -%}
    {{ return(adapter.dispatch('list_map', 'meterline')(list, element, expression)) }}
{%- endmacro %}

{% macro duckdb__list_map(list, element, expression) -%}
    list_transform({{ list }}, lambda {{ element }}: {{ expression }})
{%- endmacro %}

{#- The elements of a list for which condition (on `element`) holds. -#}
{% macro list_keep(list, element, condition) -%}
    {{ return(adapter.dispatch('list_keep', 'meterline')(list, element, condition)) }}
{%- endmacro %}

{% macro duckdb__list_keep(list, element, condition) -%}
    list_filter({{ list }}, lambda {{ element }}: {{ condition }})
{%- endmacro %}

{#- The sum of a list's non-null elements; null for an empty list. -#}
{% macro list_total(list) -%}
    {{ return(adapter.dispatch('list_total', 'meterline')(list)) }}
{%- endmacro %}

{% macro duckdb__list_total(list) -%}
    list_sum({{ list }})
{%- endmacro %}

{#- Whether every non-null element of a list of booleans is true; null for an empty list. -#}
{% macro list_all(list) -%}
    {{ return(adapter.dispatch('list_all', 'meterline')(list)) }}
{%- endmacro %}

{% macro duckdb__list_all(list) -%}
    list_bool_and({{ list }})
{%- endmacro %}

{#- How many elements of a list are not null. -#}
{% macro list_count_not_null(list) -%}
    {{ return(adapter.dispatch('list_count_not_null', 'meterline')(list)) }}
{%- endmacro %}

{% macro duckdb__list_count_not_null(list) -%}
    list_count({{ list }})
{%- endmacro %}

{#- The lists one after the other, as one list. -#}
{% macro list_join(lists) -%}
    {{ return(adapter.dispatch('list_join', 'meterline')(lists)) }}
{%- endmacro %}

{% macro duckdb__list_join(lists) -%}
    list_concat({{ lists | join(', ') }})
{%- endmacro %}

{#- A list's elements as text, separated by separator (null elements skipped). -#}
{% macro list_to_text(list, separator) -%}
    {{ return(adapter.dispatch('list_to_text', 'meterline')(list, separator)) }}
{%- endmacro %}

{% macro duckdb__list_to_text(list, separator) -%}
    array_to_string({{ list }}, {{ separator }})
{%- endmacro %}

{#- One output row per element of a list, in a select list (the row's other columns repeat). -#}
{% macro list_rows(list) -%}
    {{ return(adapter.dispatch('list_rows', 'meterline')(list)) }}
{%- endmacro %}

{% macro duckdb__list_rows(list) -%}
    unnest({{ list }})
{%- endmacro %}

{#- The integers 0 .. count - 1 as a list. -#}
{% macro list_of_indexes(count) -%}
    {{ return(adapter.dispatch('list_of_indexes', 'meterline')(count)) }}
{%- endmacro %}

{% macro duckdb__list_of_indexes(count) -%}
    range({{ count }})
{%- endmacro %}

{#- The values from start to stop (inclusive) by step, as a list: days between two instants, say. -#}
{% macro list_of_steps(start, stop, step) -%}
    {{ return(adapter.dispatch('list_of_steps', 'meterline')(start, stop, step)) }}
{%- endmacro %}

{% macro duckdb__list_of_steps(start, stop, step) -%}
    generate_series({{ start }}, {{ stop }}, {{ step }})
{%- endmacro %}
