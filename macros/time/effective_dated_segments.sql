{#-
    Cut the whole time line into consecutive half-open segments, per partition, at every
    effective_from / effective_to of an effective-dated relation:
    (-infinity, b1), [b1, b2), ..., [bn, +infinity). Every instant of a partition lies in
    exactly one segment, so an interval joined to the segments on overlap is split at every
    change and no second of it is lost or counted twice. The caller then counts which rows
    cover each segment (0 = gap, 1 = in force, more = ambiguous).

    relation            a relation or CTE name with the effective-dated rows
    partition_columns   list of column names that identify one time line
    from_column         inclusive start column (TIMESTAMP, not null)
    to_column           exclusive end column (TIMESTAMP, null = open-ended)
    Returns a SELECT of the partition columns, segment_start_at and segment_end_at.
-#}
{% macro effective_dated_segments(relation, partition_columns, from_column, to_column) -%}
    {%- set partition = partition_columns | join(', ') -%}
    select
        {{ partition }},
        coalesce(
            lag(boundary_at) over (partition by {{ partition }} order by boundary_at),
            cast('-infinity' as timestamp)
        ) as segment_start_at,
        boundary_at as segment_end_at,
    from (
        select {{ partition }}, {{ from_column }} as boundary_at from {{ relation }}
        union
        select {{ partition }}, {{ to_column }} as boundary_at from {{ relation }}
        where {{ to_column }} is not null
    ) as boundaries

    union all

    select
        {{ partition }},
        max(boundary_at) as segment_start_at,
        cast('infinity' as timestamp) as segment_end_at,
    from (
        select {{ partition }}, {{ from_column }} as boundary_at from {{ relation }}
        union
        select {{ partition }}, {{ to_column }} as boundary_at from {{ relation }}
        where {{ to_column }} is not null
    ) as boundaries
    group by {{ partition }}
{%- endmacro %}

{#- Where a piece of usage starts inside an effective-dated segment: interval usage (Slurm
    jobs) is cut at the segment's start; `start` usage (an hour of energy, a day of
    allocation) keeps its own bounds because it belongs wholly to the segment of its start. -#}
{% macro usage_piece_start(attribution_mode, segment_start, usage_start) -%}
    case
        when {{ attribution_mode }} = 'interval' and {{ segment_start }} > {{ usage_start }}
            then {{ segment_start }}
        else {{ usage_start }}
    end
{%- endmacro %}

{#- Where a piece of usage ends inside a segment; see usage_piece_start. -#}
{% macro usage_piece_end(attribution_mode, segment_end, usage_end) -%}
    case
        when {{ attribution_mode }} = 'interval' and {{ segment_end }} < {{ usage_end }}
            then {{ segment_end }}
        else {{ usage_end }}
    end
{%- endmacro %}
