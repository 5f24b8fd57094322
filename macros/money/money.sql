{#-
    Exact money arithmetic on HUGEINT. DuckDB's DECIMAL / DECIMAL returns DOUBLE and round()
    is half-away-from-zero, so every rounding in meterline goes through these macros.
    Arguments are SQL expressions; pass column names (not heavy expressions), because the
    rounding macro repeats its arguments.
-#}

{#- 10^exponent as HUGEINT; a literal when the exponent is known at compile time. -#}
{% macro power_of_ten(exponent) -%}
    {%- if exponent is number -%}
        cast({{ 10 ** exponent }} as {{ exact_integer_type() }})
    {%- else -%}
        cast(rpad('1', cast({{ exponent }} as integer) + 1, '0') as {{ exact_integer_type() }})
    {%- endif -%}
{%- endmacro %}

{#- A DECIMAL value as an integer count of 10^-scale units (exact: value x 10^scale). -#}
{% macro decimal_to_scaled_integer(value, scale=6) -%}
    cast(cast({{ value }} as decimal(38, {{ scale }})) * {{ 10 ** scale }} as {{ exact_integer_type() }})
{%- endmacro %}

{#-
    numerator / denominator rounded half to even, on HUGEINT, sign-correct:
    |n| = q x |d| + r; round up when r > |d| - r, or on a tie when q is odd.
    Null when the denominator is zero.
-#}
{% macro round_half_even_div(numerator, denominator) -%}
    {%- set n = 'abs(cast(' ~ numerator ~ ' as ' ~ exact_integer_type() ~ '))' -%}
    {%- set d = 'abs(cast(' ~ denominator ~ ' as ' ~ exact_integer_type() ~ '))' -%}
    (
        case
            when cast({{ denominator }} as {{ exact_integer_type() }}) = 0 then null
            else
                sign(cast({{ numerator }} as {{ exact_integer_type() }})) * sign(cast({{ denominator }} as {{ exact_integer_type() }}))
                * (
                    {{ integer_divide(n, d) }}
                    + case
                        when {{ n }} % {{ d }}
                            > {{ d }}
                                - {{ n }} % {{ d }}
                            then 1
                        when {{ n }} % {{ d }}
                            = {{ d }}
                                - {{ n }} % {{ d }}
                            and ({{ integer_divide(n, d) }}) % 2 = 1
                            then 1
                        else 0
                    end
                )
        end
    )
{%- endmacro %}

{#-
    The rating rule (contract section 4), once per invoice line:
    amount_minor = round_half_even(quantity_base x unit_price x 10^minor_units / base_units_per_pricing_unit)
    with quantity_base and unit_price scaled to integers of 10^-6, so the whole computation
    is one exact HUGEINT division rounded once.
-#}
{% macro rate_amount_minor(quantity_base, unit_price, minor_units, base_units_per_pricing_unit) -%}
    {{ round_half_even_div(
        decimal_to_scaled_integer(quantity_base) ~ ' * ' ~ decimal_to_scaled_integer(unit_price),
        power_of_ten('(12 - ' ~ minor_units ~ ')') ~ ' * cast(' ~ base_units_per_pricing_unit ~ ' as ' ~ exact_integer_type() ~ ')'
    ) }}
{%- endmacro %}

{#- Tax on one invoice line: round_half_even(net_amount x tax_rate) in minor units. -#}
{% macro tax_amount_minor(net_amount_minor, tax_rate) -%}
    {{ round_half_even_div(
        'cast(' ~ net_amount_minor ~ ' as ' ~ exact_integer_type() ~ ') * ' ~ decimal_to_scaled_integer(tax_rate),
        power_of_ten(6)
    ) }}
{%- endmacro %}

{#-
    A DECIMAL amount rounded half-even to the currency's minor units, as an integer of minor
    units. Exact for up to 16 decimals (vendor amounts keep that many): the value is split
    into its whole part and its fraction, so the scaled integer never passes through a
    DECIMAL(38,16) that could not hold it.
-#}
{% macro amount_to_minor_units(amount, minor_units) -%}
    {%- set exact = 'cast(' ~ amount ~ ' as decimal(38, 16))' -%}
    {{ round_half_even_div(
        'cast(trunc(' ~ exact ~ ') as ' ~ exact_integer_type() ~ ') * ' ~ power_of_ten(16)
            ~ ' + cast((' ~ exact ~ ' - trunc(' ~ exact ~ ')) * ' ~ power_of_ten(16) ~ ' as ' ~ exact_integer_type() ~ ')',
        power_of_ten('(16 - ' ~ minor_units ~ ')')
    ) }}
{%- endmacro %}

{#-
    Integer minor units -> DECIMAL(18,2) by multiplying by 10^-minor_units (never dividing).
    Null for a currency with more than two minor digits (the marts cannot hold it exactly).
-#}
{% macro minor_units_to_amount(amount_minor, minor_units) -%}
    cast(
        cast({{ amount_minor }} as decimal(38, 0))
        * case {{ minor_units }}
            when 0 then 1.00
            when 1 then 0.10
            when 2 then 0.01
        end
        as decimal(18, 2)
    )
{%- endmacro %}

{#- A quantity in base units expressed in pricing units, half-even to 6 decimals (display only). -#}
{% macro to_pricing_units(quantity_base, base_units_per_pricing_unit) -%}
    cast(
        cast({{ round_half_even_div(
            decimal_to_scaled_integer(quantity_base),
            'cast(' ~ base_units_per_pricing_unit ~ ' as ' ~ exact_integer_type() ~ ')'
        ) }} as decimal(38, 0)) * 0.000001
        as decimal(38, 6)
    )
{%- endmacro %}

{#-
    round_half_even(large x small / (base_units x 10^exponent)) on HUGEINT, exact, for a large
    quantity (a month of byte-seconds scaled to 10^-12) times a small factor (a price scaled to
    10^-6 or 10^-12): the base units are divided out first, so the largest value held is
    large x small / base_units instead of large x small, and a memory line (2^30 x 3600 byte-
    seconds per GiB-hour) keeps about 12 more orders of magnitude of headroom.
    With |large| = q x b + r and r x |small| = t x b + u (0 <= u < b):
    |large x small| / b = whole + u / b, whole = q x |small| + t; then whole = m x 10^e + w and
    the fraction (w + u / b) / 10^e is compared with one half as 2 (w x b + u) against 10^e x b.
    Null when base_units is zero.
-#}
{% macro round_half_even_product_div(large, small, base_units, exponent) -%}
    {%- set l = 'abs(cast(' ~ large ~ ' as ' ~ exact_integer_type() ~ '))' -%}
    {%- set s = 'abs(cast(' ~ small ~ ' as ' ~ exact_integer_type() ~ '))' -%}
    {%- set b = 'cast(' ~ base_units ~ ' as ' ~ exact_integer_type() ~ ')' -%}
    {%- set e = power_of_ten(exponent) -%}
    {%- set remainder_times_small = '((' ~ l ~ ' % ' ~ b ~ ') * ' ~ s ~ ')' -%}
    {%- set whole = '((' ~ integer_divide(l, b) ~ ') * ' ~ s
        ~ ' + ' ~ integer_divide(remainder_times_small, b) ~ ')' -%}
    {%- set part = '(' ~ remainder_times_small ~ ' % ' ~ b ~ ')' -%}
    {%- set twice_fraction = '2 * ((' ~ whole ~ ' % ' ~ e ~ ') * ' ~ b ~ ' + ' ~ part ~ ')' -%}
    (
        case
            when {{ b }} = 0 then null
            else
                sign(cast({{ large }} as {{ exact_integer_type() }})) * sign(cast({{ small }} as {{ exact_integer_type() }})) * sign({{ b }})
                * (
                    {{ integer_divide(whole, e) }}
                    + case
                        when {{ twice_fraction }} > {{ e }} * {{ b }} then 1
                        when {{ twice_fraction }} = {{ e }} * {{ b }} and ({{ integer_divide(whole, e) }}) % 2 = 1 then 1
                        else 0
                    end
                )
        end
    )
{%- endmacro %}

{#-
    An FX-converted line (docs/rating.md, FX), rounded once to minor units:
    round_half_even(fx_quantity_scaled x unit_price x 10^minor_units / (10^18 x base_units_per_pricing_unit))
    where fx_quantity_scaled = sum over the line's pieces of quantity_base x fx_rate, each scaled
    to 10^-6 (so the sum is exact at 10^-12) and unit_price is in the price list's currency.
    HUGEINT arithmetic raises an overflow error rather than wrapping; the base units are divided
    out before the rounding (round_half_even_product_div), and the singular test
    assert_fx_line_amounts_have_headroom checks the magnitudes stay far below the limit.
-#}
{% macro fx_rate_amount_minor(fx_quantity_scaled, unit_price, minor_units, base_units_per_pricing_unit) -%}
    {{ round_half_even_product_div(
        fx_quantity_scaled, decimal_to_scaled_integer(unit_price), base_units_per_pricing_unit,
        '(18 - ' ~ minor_units ~ ')'
    ) }}
{%- endmacro %}

{#-
    One share of an amount split pro rata of weights, in integer minor units, by the largest
    remainder: every share gets floor(total x weight / weight_total); the minor units left over
    (fewer than the number of shares) go one each to the shares with the largest remainders,
    ties broken by order_by. The shares of one partition add up to the total exactly, whatever
    its sign. weight_total (the partition's sum of weights, > 0) must be a column computed
    before this select, because a window function cannot hold another.
-#}
{% macro largest_remainder_share(total_minor, weight, weight_total, partition_by, order_by) -%}
    {%- set scaled = '(cast(' ~ total_minor ~ ' as ' ~ exact_integer_type() ~ ')'
        ~ ' * cast(' ~ weight ~ ' as ' ~ exact_integer_type() ~ '))' -%}
    {%- set divisor = 'cast(' ~ weight_total ~ ' as ' ~ exact_integer_type() ~ ')' -%}
    {%- set floor_share -%}
        (case
            when {{ scaled }} >= 0 then {{ integer_divide(scaled, divisor) }}
            else -({{ integer_divide('(-' ~ scaled ~ ' + ' ~ divisor ~ ' - 1)', divisor) }})
        end)
    {%- endset -%}
    (
        {{ floor_share }}
        + case
            when row_number() over (
                partition by {{ partition_by }}
                order by {{ scaled }} - {{ floor_share }} * {{ divisor }} desc, {{ order_by }}
            ) <= cast({{ total_minor }} as {{ exact_integer_type() }}) - sum({{ floor_share }}) over (partition by {{ partition_by }})
                then 1
            else 0
        end
    )
{%- endmacro %}
