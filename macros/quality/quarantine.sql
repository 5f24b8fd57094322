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

{#- The dates a run of the period reads files for, as DATE literals: the period widened by the
    declared look-back before it and the margin after it (dbt vars period_read_days_before and
    period_read_days_after, documented in dbt_project.yml and docs/landing-contract.md). -#}
{% macro period_read_from() -%}
    cast({{ billing_period_start() }} - to_days({{ var('period_read_days_before') }}) as date)
{%- endmacro %}

{% macro period_read_to() -%}
    cast({{ billing_period_end() }} + to_days({{ var('period_read_days_after') }}) as date)
{%- endmacro %}

{#- Every current, loaded file version with whether this period's run reads it. A file is read
    when the span of dates its rows speak of (file registry first_event_date..last_event_date,
    recorded at ingest) overlaps the period's read window, when its span is unknown, or when
    this period's run loaded it (ingested_for_period; unknown = loaded outside a billing run):
    a file of other months' dates dropped for this month is then still read and accounted for
    by row conservation, as every file was before spans existed.
    A source with late usage (scheduler jobs, allocations, vendor charges) then widens its
    window to every date its overlapping files speak of: an old row in this period's drop is
    `late_usage` unless an older file holds a copy of it, and that copy carries the same date,
    so it is seen and deduplication, conflicts and `late_usage` decide as if every file were
    read. Energy readings are never late (a reading outside the period is `outside_period`)
    and are deduplicated on (meter, reading time), so every copy of a reading in the window
    lies in a file the window reads: their window does not widen for overlapping files, and a
    run does not drag in the month before last through the boundary day two monthly files
    share. A file this run loaded widens its kind's window whatever the kind, so that the
    copies of its rows in older files are read with it. -#}
{% macro period_file_versions(file_registry) -%}
    with current_files as (
        select
            source_file,
            file_sha256,
            source_kind,
            first_event_date,
            last_event_date,
            ingested_for_period,
        from {{ file_registry }}
        where {{ is_truthy('is_current') }}
            and status = 'loaded'
    ),
    kind_windows as (
        select
            source_kind,
            least(min(first_event_date), {{ period_read_from() }}) as read_from,
            greatest(max(last_event_date), {{ period_read_to() }}) as read_to,
        from current_files
        where (
            first_event_date <= {{ period_read_to() }}
            and last_event_date >= {{ period_read_from() }}
            and not starts_with(source_kind, 'energy_')
        )
        or ingested_for_period = {{ billing_period_literal() }}
        group by source_kind
    )
    select
        current_files.source_file,
        current_files.file_sha256,
        current_files.first_event_date is null
        or current_files.last_event_date is null
        or current_files.ingested_for_period is null
        or current_files.ingested_for_period = {{ billing_period_literal() }}
        or (
            current_files.first_event_date <= coalesce(kind_windows.read_to, {{ period_read_to() }})
            and current_files.last_event_date >= coalesce(kind_windows.read_from, {{ period_read_from() }})
        ) as is_read_by_period,
    from current_files
    left join kind_windows
        on current_files.source_kind is not distinct from kind_windows.source_kind
{%- endmacro %}

{#- The file versions staging reads: the current, loaded version of every landing path whose
    rows can matter to the period under run. -#}
{% macro current_file_versions(file_registry) -%}
    select
        source_file,
        file_sha256,
    from ({{ period_file_versions(file_registry) }}) as period_files
    where is_read_by_period
{%- endmacro %}

{#- The rows of a raw table that come from current file versions the period reads (what every
    staging model reads). -#}
{% macro current_rows(raw_relation) -%}
    select raw_rows.*
    from {{ raw_relation }} as raw_rows
    semi join ({{ current_file_versions(source('ingest', 'file_registry')) }}) as current_files
        on raw_rows._source_file = current_files.source_file
        and raw_rows._file_sha256 = current_files.file_sha256
{%- endmacro %}
