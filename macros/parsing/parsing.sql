{#-
    Typing helpers for staging. Every raw column is text; these macros turn it into typed
    values without ever going through DOUBLE, and return NULL (never an error) when the text
    does not parse, so staging can quarantine the row and name the column and value.
-#}

{#- Trimmed text, NULL when empty (or one of the given missing-value markers, e.g. FOCUS 'NULL'). -#}
{% macro clean_text(expression, missing_markers=[]) -%}
    {%- if missing_markers | length > 0 -%}
        case
            when trim({{ expression }}) in ('', {% for marker in missing_markers %}'{{ marker }}'{% if not loop.last %}, {% endif %}{% endfor %}) then null
            else trim({{ expression }})
        end
    {%- else -%}
        nullif(trim({{ expression }}), '')
    {%- endif -%}
{%- endmacro %}

{#-
    Numeric text -> DECIMAL(38,6). decimal_separator is a SQL expression ('.' or ','); with
    ',' the '.' and spaces are thousands separators, with '.' the ',' are. Without a
    separator argument the text must already be a plain number (no thousands separators).
-#}
{% macro parse_decimal(expression, decimal_separator=none) -%}
    {%- if decimal_separator is none -%}
        try_cast({{ expression }} as decimal(38, 6))
    {%- else -%}
        try_cast(
            case {{ decimal_separator }}
                when ',' then replace(replace(replace({{ expression }}, ' ', ''), '.', ''), ',', '.')
                when '.' then replace(replace({{ expression }}, ' ', ''), ',', '')
            end
            as decimal(38, 6)
        )
    {%- endif -%}
{%- endmacro %}

{#- Integer text -> BIGINT (NULL unless it is a whole number). -#}
{% macro parse_integer(expression) -%}
    case
        when regexp_full_match(trim({{ expression }}), '[+-]?[0-9]+')
            then try_cast(trim({{ expression }}) as bigint)
    end
{%- endmacro %}

{#-
    UTC timestamp text -> TIMESTAMP (naive, UTC). Accepts `YYYY-MM-DDTHH:MM:SSZ`,
    `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` (both taken as UTC) and an explicit offset
    (`+02:00`), which is converted to UTC. NULL for an offset no clock uses (beyond +-14:00:
    strptime would take `+25:00` and shift the time by a day); check_utc_timestamp names it.
-#}
{% macro parse_utc_timestamp(expression) -%}
    case
        when {{ is_utc_offset_impossible(expression) }} then null
        -- a text ending in an offset fits none of the UTC layouts: failing four of them on every
        -- row cost more than the whole rest of a counter file's staging
        when {{ utc_offset_text(expression) }} is not null
            then timezone('UTC', try_strptime({{ expression }}, '%Y-%m-%dT%H:%M:%S%z'))
        else coalesce(
            try_strptime({{ expression }}, [
                '%Y-%m-%dT%H:%M:%SZ',
                '%Y-%m-%dT%H:%M:%S.%fZ',
                '%Y-%m-%d %H:%M:%S',
                '%Y-%m-%dT%H:%M:%S'
            ]),
            timezone('UTC', try_strptime({{ expression }}, '%Y-%m-%dT%H:%M:%S%z'))
        )
    end
{%- endmacro %}

{#- A local wall-clock TIMESTAMP in IANA zone time_zone -> TIMESTAMP in UTC. -#}
{% macro local_to_utc(local_timestamp, time_zone) -%}
    timezone('UTC', timezone({{ time_zone }}, {{ local_timestamp }}))
{%- endmacro %}

{#-
    Date text in a vendor's declared strptime pattern -> DATE. strptime needs a constant
    pattern, so the supported patterns are listed here (and accepted_values on the seed).
-#}
{% macro parse_vendor_date(expression, date_format) -%}
    {%- set patterns = ['%d.%m.%Y', '%Y-%m-%d', '%m/%d/%Y', '%d/%m/%Y', '%d-%m-%Y', '%Y%m%d'] -%}
    cast(
        case {{ date_format }}
            {%- for pattern in patterns %}
            when '{{ pattern }}' then try_strptime({{ expression }}, '{{ pattern }}')
            {%- endfor %}
        end
        as date
    )
{%- endmacro %}

{#- Ingest booleans (BOOLEAN or text) -> BOOLEAN. -#}
{% macro is_truthy(expression) -%}
    coalesce(lower(cast({{ expression }} as varchar)) in ('true', 't', '1', 'yes'), false)
{%- endmacro %}

{#-
    Slurm memory text (`199G`, `4000M`, `0n`, `1.5T`) -> bytes as DECIMAL(38,6). Suffixes
    K, M, G, T, P are powers of 1024; a trailing n/c (per node/cpu) is ignored; a bare number
    is megabytes (Slurm's default unit). NULL when the text is not a memory size.
-#}
{% macro slurm_memory_bytes(expression) -%}
    case
        when regexp_full_match({{ expression }}, '[0-9]+(\.[0-9]+)?[KMGTP]?[nc]?')
            then try_cast(regexp_extract({{ expression }}, '^[0-9]+(\.[0-9]+)?', 0) as decimal(38, 6))
                * case regexp_extract({{ expression }}, '([KMGTP]?)[nc]?$', 1)
                    when 'K' then cast(1024 as bigint)
                    when 'M' then cast(1048576 as bigint)
                    when 'G' then cast(1073741824 as bigint)
                    when 'T' then cast(1099511627776 as bigint)
                    when 'P' then cast(1125899906842624 as bigint)
                    else cast(1048576 as bigint)
                end
    end
{%- endmacro %}

{#-
    Slurm duration text -> whole seconds (BIGINT): `[D-]HH:MM:SS` (Elapsed, Timelimit) and
    `MM:SS.mmm` (TotalCPU and short Elapsed values); milliseconds are dropped because Slurm
    accounts whole seconds (ElapsedRaw). NULL when the text is not a duration.
-#}
{% macro slurm_duration_seconds(expression) -%}
    {%- set pattern = '^(?:([0-9]+)-)?(?:([0-9]+):)?([0-9]+):([0-9]+)(?:[.][0-9]+)?$' -%}
    case
        when regexp_full_match({{ expression }}, '([0-9]+-)?([0-9]+:)?[0-9]+:[0-9]+([.][0-9]+)?')
            then coalesce(try_cast(nullif(regexp_extract({{ expression }}, '{{ pattern }}', 1), '') as bigint), 0) * 86400
                + coalesce(try_cast(nullif(regexp_extract({{ expression }}, '{{ pattern }}', 2), '') as bigint), 0) * 3600
                + try_cast(regexp_extract({{ expression }}, '{{ pattern }}', 3) as bigint) * 60
                + try_cast(regexp_extract({{ expression }}, '{{ pattern }}', 4) as bigint)
    end
{%- endmacro %}

{#-
    True when a local wall-clock TIMESTAMP occurs twice in time_zone (the hour a DST fall-back
    repeats): DuckDB reads it as the later instant, and the instant an hour earlier shows the
    same wall time. Only such times need local_to_utc_in_file_order's windows; a model can keep
    the series (file, meter) without one out of them.
-#}
{% macro is_repeated_local_time(local_timestamp, time_zone) -%}
    timezone({{ time_zone }}, timezone('UTC', {{ local_to_utc(local_timestamp, time_zone) }} - interval 1 hour))
        = {{ local_timestamp }}
{%- endmacro %}

{#-
    Local wall-clock TIMESTAMP -> UTC, resolving the repeated hour of a DST fall-back by file
    order: DuckDB reads an ambiguous local time as the later (standard-time) instant; a reading
    in that hour is the earlier (daylight-time) instant unless, in the same series (partition_by,
    ordered by order_by), an earlier row already showed a later local time (the clock has gone
    back), or the same wall time was seen before and the clock does not go back after this row
    (the last reading of the repeated hour). A time skipped by a spring-forward reads as the
    instant one hour later.
    local_timestamp should be a column (it is read several times). Every window partitions by
    the series only: "the same wall time was seen before" is the previous row in wall-time
    order, not a count over (series, wall time), whose one-row partitions cost far more.
    Must be used in a SELECT (it is a window expression).
-#}
{% macro local_to_utc_in_file_order(local_timestamp, time_zone, partition_by, order_by='source_row') -%}
    case
        when {{ is_repeated_local_time(local_timestamp, time_zone) }}
            and not (
                -- an earlier row was later: the clock has gone back
                coalesce(
                    max({{ local_timestamp }}) over (
                        partition by {{ partition_by }} order by {{ order_by }}
                        rows between unbounded preceding and 1 preceding
                    ) > {{ local_timestamp }},
                    false
                )
                -- or this wall time was seen before and the clock does not go back after it
                or (
                    coalesce(
                        lag({{ local_timestamp }}) over (
                            partition by {{ partition_by }} order by {{ local_timestamp }}, {{ order_by }}
                        ) = {{ local_timestamp }},
                        false
                    )
                    and not coalesce(
                        min({{ local_timestamp }}) over (
                            partition by {{ partition_by }} order by {{ order_by }}
                            rows between 1 following and unbounded following
                        ) < {{ local_timestamp }},
                        false
                    )
                )
            )
            then {{ local_to_utc(local_timestamp, time_zone) }} - interval 1 hour
        else {{ local_to_utc(local_timestamp, time_zone) }}
    end
{%- endmacro %}

{#-
    Every row of `relation` with `utc_column` added: its local wall-clock `local_timestamp` in
    UTC; and `is_skipped_wall_time`, true when that wall time does not exist in the zone (for
    check_local_time_exists). Each distinct wall time of a time zone is converted once (a site's meters read at the
    same times, so a month of readings holds a few thousand wall times for millions of rows,
    and every conversion is a time-zone look-up). Only the series (source_file, meter_id) with
    a wall time the DST fall-back repeats are resolved in file order
    (local_to_utc_in_file_order), keyed by (source_file, source_row); a window over every
    series would sort every reading for nothing. Rows where `offset_flag` is true already carry
    their instant in `offset_timestamp` and take it as is. A whole SELECT: use it as the body of
    a CTE. `relation` is read four times, three of them for a few narrow columns: declare it
    (and the CTEs it reads) `not materialized`, so that no copy of every wide row is kept.
-#}
{% macro local_series_in_utc(
    relation, local_timestamp, time_zone, utc_column, offset_flag=none, offset_timestamp=none
) -%}
    {%- set series_utc = local_to_utc_in_file_order(
        'series.' ~ local_timestamp, 'series.' ~ time_zone, 'series.source_file, series.meter_id'
    ) -%}
    {%- set on_wall_time -%}
        {{ relation }}.{{ time_zone }} = wall_times.wall_time_zone
                and {{ relation }}.{{ local_timestamp }} = wall_times.wall_time
    {%- endset -%}
    with wall_times as (
        select
            wall_time_zone,
            wall_time,
            {{ local_to_utc('wall_time', 'wall_time_zone') }} as wall_time_utc,
            {{ is_repeated_local_time('wall_time', 'wall_time_zone') }} as is_repeated_wall_time,
            {{ is_skipped_local_time('wall_time', 'wall_time_zone') }} as is_skipped_wall_time,
        from (
            select distinct
                {{ time_zone }} as wall_time_zone,
                {{ local_timestamp }} as wall_time,
            from {{ relation }}
            where {{ time_zone }} is not null and {{ local_timestamp }} is not null
        )
    ),

    repeated_series as (
        select distinct
            {{ relation }}.source_file,
            {{ relation }}.meter_id,
        from {{ relation }}
        inner join wall_times
            on {{ on_wall_time }}
        where wall_times.is_repeated_wall_time
    ),

    series_in_file_order as (
        select
            series.source_file,
            series.source_row,
            {{ series_utc }} as series_utc,
        from {{ relation }} as series
        semi join repeated_series
            on series.source_file is not distinct from repeated_series.source_file
                and series.meter_id is not distinct from repeated_series.meter_id
    )

    select
        {{ relation }}.*,
        coalesce(wall_times.is_skipped_wall_time, false) as is_skipped_wall_time,
        {% if offset_flag -%}
        case
            when {{ relation }}.{{ offset_flag }} then {{ relation }}.{{ offset_timestamp }}
            when series_in_file_order.source_row is not null then series_in_file_order.series_utc
            else wall_times.wall_time_utc
        end
        {%- else -%}
        case
            when series_in_file_order.source_row is not null then series_in_file_order.series_utc
            else wall_times.wall_time_utc
        end
        {%- endif %} as {{ utc_column }},
    from {{ relation }}
    left join wall_times
        on {{ on_wall_time }}
    left join series_in_file_order
        on {{ relation }}.source_file is not distinct from series_in_file_order.source_file
            and {{ relation }}.source_row = series_in_file_order.source_row
{%- endmacro %}
