{#-
    Energy unit conversion to joules (the base unit of `kwh`, see seeds/rating/units.csv).
    Exact: every factor is an integer, applied by multiplication.
      kwh        1 kWh        = 3,600,000 J
      wh         1 Wh         =     3,600 J
      tenth_kwh  0.1 kWh      =   360,000 J   (register counts of the tenth_kwh_counter format)
      joule      1 J (W x s)  =         1 J
-#}
{% macro joules_per_energy_unit(unit) -%}
    {%- set factors = {'kwh': 3600000, 'wh': 3600, 'tenth_kwh': 360000, 'joule': 1} -%}
    {%- if unit not in factors -%}
        {{ exceptions.raise_compiler_error("joules_per_energy_unit: unknown energy unit '" ~ unit ~ "'") }}
    {%- endif -%}
    cast({{ factors[unit] }} as bigint)
{%- endmacro %}
