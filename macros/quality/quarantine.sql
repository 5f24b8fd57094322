{#-
    Quarantine helpers: staging keeps every row and describes what is wrong with it.
    A check returns text naming the column and the offending value, or NULL when fine.
-#}

{#- The raw text is present but did not parse. -#}
{% macro check_parsed(column_label, raw_expression, parsed_expression) -%}
    case
        when {{ raw_expression }} is not null and {{ parsed_expression }} is null
            then '{{ column_label }}=''' || {{ raw_expression }} || ''''
    end
{%- endmacro %}

{#- A required value is missing. -#}
{% macro check_present(column_label, raw_expression) -%}
    case when {{ raw_expression }} is null then '{{ column_label }} is empty' end
{%- endmacro %}

{#- Any boolean rule; message is a SQL text expression. -#}
{% macro check_rule(failed_condition, message) -%}
    case when {{ failed_condition }} then {{ message }} end
{%- endmacro %}

{#- All failed checks joined, NULL when every check passed. -#}
{% macro quarantine_detail(checks) -%}
    nullif(concat_ws('; ',
        {%- for check in checks %}
        {{ check }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ), '')
{%- endmacro %}

{#- The row's quarantine reason code (from seeds/reconciliation/reason_codes.csv). -#}
{% macro quarantine_reason(detail_column='quarantine_detail') -%}
    case when {{ detail_column }} is not null then 'invalid_value' end
{%- endmacro %}

{#- The file versions staging reads: the current, loaded version of every landing path. -#}
{% macro current_file_versions(file_registry) -%}
    select
        source_file,
        file_sha256,
    from {{ file_registry }}
    where {{ is_truthy('is_current') }}
        and status = 'loaded'
{%- endmacro %}

{#- The rows of a raw table that come from current file versions (what every staging model reads). -#}
{% macro current_rows(raw_relation) -%}
    select raw_rows.*
    from {{ raw_relation }} as raw_rows
    semi join ({{ current_file_versions(source('ingest', 'file_registry')) }}) as current_files
        on raw_rows._source_file = current_files.source_file
        and raw_rows._file_sha256 = current_files.file_sha256
{%- endmacro %}
