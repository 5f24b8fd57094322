{#-
    Time validation for staging: each check returns text naming the column, the offending
    value and why, or NULL when the time is fine (the shape of macros/quality checks), so a
    row with an impossible time is quarantined with a precise reason instead of billed at a
    shifted instant.
-#}

{#- The trailing UTC offset of a timestamp text (`+02:00`, `-0530`, `+25:00`); NULL without one. -#}
{% macro utc_offset_text(expression) -%}
    nullif(regexp_extract({{ expression }}, '([+-][0-9]{2}:?[0-9]{2})$', 1), '')
{%- endmacro %}

{#- True when the text ends in an offset no clock uses: beyond +-14:00, or 60 minutes or more. -#}
{% macro is_utc_offset_impossible(expression) -%}
    coalesce(
        cast(substr({{ utc_offset_text(expression) }}, 2, 2) as integer) * 60
            + cast(right({{ utc_offset_text(expression) }}, 2) as integer) > 14 * 60
        or cast(right({{ utc_offset_text(expression) }}, 2) as integer) >= 60,
        false
    )
{%- endmacro %}

{#-
    A timestamp text with an explicit offset or in UTC that is present but did not parse, or
    whose offset lies outside +-14:00 (parse_utc_timestamp returns NULL for it).
-#}
{% macro check_utc_timestamp(column_label, raw_expression, parsed_expression) -%}
    case
        when {{ raw_expression }} is not null and {{ is_utc_offset_impossible(raw_expression) }}
            then '{{ column_label }}=''' || {{ raw_expression }} || ''' has UTC offset '
                || {{ utc_offset_text(raw_expression) }} || ', outside -14:00..+14:00'
        when {{ raw_expression }} is not null and {{ parsed_expression }} is null
            then '{{ column_label }}=''' || {{ raw_expression }} || ''''
    end
{%- endmacro %}

{#-
    True when a local wall-clock TIMESTAMP does not exist in time_zone: skipped when the clocks
    spring forward (02:30 on the last Sunday of March in Europe/Oslo). Converting it to UTC
    and back does not give it back. NULL when either argument is NULL.
-#}
{% macro is_skipped_local_time(local_timestamp, time_zone) -%}
    timezone({{ time_zone }}, timezone('UTC', {{ local_to_utc(local_timestamp, time_zone) }})) <> {{ local_timestamp }}
{%- endmacro %}

{#-
    Quarantine check for a local wall-clock time that does not exist in time_zone
    (is_skipped_local_time). `is_skipped` names a column that already holds that test for the
    row (local_series_in_utc's is_skipped_wall_time, computed once per distinct wall time).
-#}
{% macro check_local_time_exists(
    column_label, raw_expression, local_timestamp, time_zone, is_skipped=none
) -%}
    case
        when {{ local_timestamp }} is not null
            and {{ time_zone }} is not null
            and {{ is_skipped if is_skipped else is_skipped_local_time(local_timestamp, time_zone) }}
            then '{{ column_label }}=''' || {{ raw_expression }} || ''' does not exist in ' || {{ time_zone }}
                || ' (the clocks skip it)'
    end
{%- endmacro %}

{#-
    The billing period a landing file declares in its name (`cumulative_kwh_2026-10.csv`,
    `sacct_2026-10_a.txt`): the first `YYYY-MM` of its base name, as the month's first UTC
    instant; NULL when the name declares none.
-#}
{% macro file_declared_period_start(source_file) -%}
    try_strptime(
        nullif(
            regexp_extract(
                regexp_extract({{ source_file }}, '[^/]*$', 0),
                '(?:^|[^0-9])((?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2]))(?:[^0-9]|$)',
                1
            ),
            ''
        ) || '-01',
        '%Y-%m-%d'
    )
{%- endmacro %}

{#-
    A usage time outside the period its file declares, beyond the window the source may
    legitimately reach: from earliest_offset before the declared month's start up to, not
    including, latest_offset after its end (SQL interval literals). Files whose name declares no period are not checked.
    declared_period_start, when given, is a column already holding file_declared_period_start(source_file):
    the month is then read from the file name once per row instead of four times.
-#}
{% macro check_declared_period(
    column_label, raw_expression, instant, source_file, earliest_offset, latest_offset, declared_period_start=none
) -%}
    {%- set period_start = declared_period_start if declared_period_start is not none
        else file_declared_period_start(source_file) -%}
    case
        when {{ instant }} is not null
            and {{ period_start }} is not null
            and (
                {{ instant }} < {{ period_start }} - {{ earliest_offset }}
                or {{ instant }} >= {{ period_start }} + interval 1 month + {{ latest_offset }}
            )
            then '{{ column_label }}=''' || {{ raw_expression }} || ''' lies outside the period '
                || strftime({{ period_start }}, '%Y-%m') || ' its file declares'
    end
{%- endmacro %}
