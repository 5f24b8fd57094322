{#-
    The one shape every vendor's charge lines take before int_vendor_charges__unified unions
    them: FOCUS-aligned names, in this order, with these types. Each vendor has one thin
    `stg_<source_kind>__vendor_charges` model that maps its staging columns onto it with
    conform_vendor_charges, and one entry in the dbt var `vendor_sources` (dbt_project.yml).
    Quantities and prices are DECIMAL(38,6) as parse_vendor_decimal reads them; billed and
    effective cost keep the vendor amount type's 16 decimals.
-#}
{% macro vendor_charge_columns() -%}
    {{ return([
        ('source_kind', 'varchar'),
        ('vendor_id', 'varchar'),
        ('source_file', 'varchar'),
        ('source_row', 'bigint'),
        ('invoice_id', 'varchar'),
        ('vendor_item_code', 'varchar'),
        ('charge_category', 'varchar'),
        ('charge_description', 'varchar'),
        ('charge_period_start_at', 'timestamp'),
        ('charge_period_end_at', 'timestamp'),
        ('period_reference_at', 'timestamp'),
        ('site_id', 'varchar'),
        ('resource_id', 'varchar'),
        ('billed_quantity', 'decimal(38, 6)'),
        ('billed_unit', 'varchar'),
        ('billed_unit_price', 'decimal(38, 6)'),
        ('billed_amount', vendor_amount_type()),
        ('currency_code', 'varchar'),
        ('line_identity', 'varchar'),
        ('quarantine_reason', 'varchar'),
        ('quarantine_detail', 'varchar'),
        ('line_number_in_row', 'bigint'),
        ('layout_variant', 'varchar'),
        ('cost_view', 'varchar'),
        ('provider_name', 'varchar'),
        ('billing_account_id', 'varchar'),
        ('sub_account_id', 'varchar'),
        ('charge_class', 'varchar'),
        ('charge_frequency', 'varchar'),
        ('billing_period_start_at', 'timestamp'),
        ('billing_period_end_at', 'timestamp'),
        ('region_id', 'varchar'),
        ('sku_price_id', 'varchar'),
        ('consumed_quantity', 'decimal(38, 6)'),
        ('consumed_unit', 'varchar'),
        ('list_unit_price', 'decimal(38, 6)'),
        ('contracted_unit_price', 'decimal(38, 6)'),
        ('list_cost', 'decimal(38, 6)'),
        ('contracted_cost', 'decimal(38, 6)'),
        ('effective_cost', vendor_amount_type()),
        ('commitment_discount_id', 'varchar'),
        ('commitment_discount_category', 'varchar'),
        ('commitment_discount_type', 'varchar'),
        ('commitment_discount_status', 'varchar'),
        ('tags', 'varchar'),
    ]) }}
{%- endmacro %}

{#-
    The select list of a vendor's conformed charge lines: every column of vendor_charge_columns,
    in order, cast to its type. A column is the expression `columns` gives for it, else the
    staging column of the same name; `none` writes NULL. FOCUS-aligned staging models (every
    cloud export) read their FOCUS names for the billed side unless `columns` says otherwise.
    A name outside the shape fails the compile, so a typo cannot add a silent NULL column.
-#}
{% macro conform_vendor_charges(source_kind, columns, focus_aligned=true) -%}
    {%- set contract_names = vendor_charge_columns() | map(attribute=0) | list -%}
    {%- set declared_kinds = var('vendor_sources') | map(attribute='source_kind') | list -%}
    {%- if source_kind not in declared_kinds -%}
        {{ exceptions.raise_compiler_error(
            "source_kind '" ~ source_kind ~ "' is not declared in the dbt var vendor_sources"
        ) }}
    {%- endif -%}
    {%- for name in columns -%}
        {%- if name not in contract_names -%}
            {{ exceptions.raise_compiler_error(
                "'" ~ name ~ "' is not a vendor charge column (macros/vendor_charges/vendor_charges.sql)"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set expressions = {'source_kind': "'" ~ source_kind ~ "'"} -%}
    {%- if focus_aligned -%}
        {%- do expressions.update({
            'vendor_item_code': 'sku_id',
            'period_reference_at': 'coalesce(billing_period_start_at, charge_period_start_at)',
            'site_id': none,
            'billed_quantity': 'pricing_quantity',
            'billed_unit': 'pricing_unit',
            'billed_unit_price': 'contracted_unit_price',
            'billed_amount': 'billed_cost',
            'currency_code': 'billing_currency',
            'line_number_in_row': '1',
            'cost_view': "'actual'",
        }) -%}
    {%- endif -%}
    {%- do expressions.update(columns) -%}
    {%- for name, data_type in vendor_charge_columns() %}
    cast({{ 'null' if expressions.get(name, name) is none else expressions.get(name, name) }} as {{ data_type }})
        as {{ name }},
    {%- endfor %}
{%- endmacro %}

{#- The source_kind values of the declared vendor exports, as a SQL list of literals. -#}
{% macro vendor_source_kinds(reconciled_per=none) -%}
    {%- for vendor_source in var('vendor_sources')
        if reconciled_per is none or vendor_source.reconciled_per == reconciled_per -%}
        '{{ vendor_source.source_kind }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Every declared vendor's conformed charge lines, one union: the columns match by name. -#}
{% macro union_vendor_charges() -%}
    {%- for vendor_source in var('vendor_sources') %}
    select * from {{ ref('stg_' ~ vendor_source.source_kind ~ '__vendor_charges') }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
