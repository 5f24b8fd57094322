{#-
    Pricing-model arithmetic for invoice lines (docs/rating.md). Every macro returns an
    integer amount in minor units, computed on HUGEINT from quantities and prices scaled to
    10^-6 and rounded half-even exactly once (macro round_half_even_div), so a line's amount
    never depends on floating point or on intermediate rounding.
-#}

{#-
    quantity x unit_price x factor, rounded once to minor units:
    round_half_even(quantity_base x unit_price x factor x 10^minor_units / base_units_per_pricing_unit).
    `factor` is an exact decimal of at most 6 places: (1 + markup_rate) for pass-through,
    a discount rate for a committed-use discount. Scaled to 10^-18 in all, so the base units
    are divided out first (round_half_even_product_div) to keep HUGEINT headroom.
-#}
{% macro rate_amount_minor_times(
    quantity_base, unit_price, factor, minor_units, base_units_per_pricing_unit
) -%}
    {{ round_half_even_product_div(
        decimal_to_scaled_integer(quantity_base),
        decimal_to_scaled_integer(unit_price) ~ ' * ' ~ decimal_to_scaled_integer(factor),
        base_units_per_pricing_unit,
        '(18 - ' ~ minor_units ~ ')'
    ) }}
{%- endmacro %}

{#- ceil(numerator / denominator) for a non-negative numerator and a positive denominator, on HUGEINT. -#}
{% macro ceil_div(numerator, denominator) -%}
    {%- set d = 'cast(' ~ denominator ~ ' as ' ~ exact_integer_type() ~ ')' -%}
    ({{ integer_divide('(cast(' ~ numerator ~ ' as ' ~ exact_integer_type() ~ ') + ' ~ d ~ ' - 1)', d) }})
{%- endmacro %}

{#-
    Number of whole packages of `package_size` pricing units needed for a quantity in base
    units; a partial package counts as a whole one.
-#}
{% macro package_count(quantity_base, package_size, base_units_per_pricing_unit) -%}
    {{ ceil_div(
        decimal_to_scaled_integer(quantity_base),
        decimal_to_scaled_integer(package_size) ~ ' * cast(' ~ base_units_per_pricing_unit ~ ' as ' ~ exact_integer_type() ~ ')'
    ) }}
{%- endmacro %}

{#- Package pricing: package_count x package_size x unit_price, rounded once to minor units. -#}
{% macro package_amount_minor(
    quantity_base, unit_price, package_size, minor_units, base_units_per_pricing_unit
) -%}
    {{ round_half_even_div(
        package_count(quantity_base, package_size, base_units_per_pricing_unit)
            ~ ' * ' ~ decimal_to_scaled_integer(package_size) ~ ' * ' ~ decimal_to_scaled_integer(unit_price),
        power_of_ten('(12 - ' ~ minor_units ~ ')')
    ) }}
{%- endmacro %}

{#-
    The part of a running quantity slice [before, after) that lies inside a tier
    [tier_from, tier_to) given in pricing units (tier_to null = unbounded), in base units.
    Tiers are filled in usage-time order: `before` / `after` are the cumulative quantity of
    the line before and after one usage piece, so this is the piece's share of the tier.
-#}
{% macro tier_overlap_base(before, after, tier_from, tier_to, base_units_per_pricing_unit) -%}
    greatest(
        least(
            {{ after }},
            coalesce(cast({{ tier_to }} as decimal(38, 6)) * {{ base_units_per_pricing_unit }}, {{ after }})
        )
        - greatest({{ before }}, cast({{ tier_from }} as decimal(38, 6)) * {{ base_units_per_pricing_unit }}),
        0
    )
{%- endmacro %}

{#- Whether a total quantity in base units reached a tier [tier_from, tier_to) (volume pricing). -#}
{% macro tier_reached(total_base, tier_from, tier_to, base_units_per_pricing_unit) -%}
    (
        {{ total_base }} >= cast({{ tier_from }} as decimal(38, 6)) * {{ base_units_per_pricing_unit }}
        and ({{ tier_to }} is null
            or {{ total_base }} < cast({{ tier_to }} as decimal(38, 6)) * {{ base_units_per_pricing_unit }})
    )
{%- endmacro %}
