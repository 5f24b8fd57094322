{#-
    numerator / denominator as DECIMAL(18, 6), rounded half-even on integers (DuckDB's
    DECIMAL / DECIMAL is DOUBLE). Arguments must be integer-valued; null when the denominator is 0.
-#}
{% macro ratio(numerator, denominator) -%}
    cast(
        cast({{ round_half_even_div(
            'cast(' ~ numerator ~ ' as ' ~ exact_integer_type() ~ ') * ' ~ power_of_ten(6),
            'cast(' ~ denominator ~ ' as ' ~ exact_integer_type() ~ ')'
        ) }} as decimal(38, 0)) * 0.000001
        as decimal(18, 6)
    )
{%- endmacro %}
