{#- The draft invoice line id of a (customer, SKU, price list version) line, with the tier, the
    pass-through cost version and the line type when they split the line. Invoice lines and the
    usage slices behind them take their id from here, so evidence joins them exactly. -#}
{% macro invoice_line_id(
    customer_id, sku_id, price_list_id, price_list_version, tier_number, cost_rate_card_version, line_type
) -%}
    {{ customer_id }} || '-' || {{ billing_period_literal() }} || ':' || {{ sku_id }} || ':'
        || {{ price_list_id }} || ':v' || cast({{ price_list_version }} as varchar)
        || coalesce(':t' || cast({{ tier_number }} as varchar), '')
        || coalesce(':c' || cast({{ cost_rate_card_version }} as varchar), '')
        || case when {{ line_type }} <> 'usage' then ':' || {{ line_type }} else '' end
{%- endmacro %}
