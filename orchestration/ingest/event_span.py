"""The span of dates a loaded file's rows speak of, recorded in the file registry.

A billing run reads only the files whose span comes near its period (macro `current_rows`,
macros/quality/quarantine.sql), so month N+1 does not re-read the N months before it. The
span is coarse on purpose: the date part of each declared time field, in the source's own
time zone, so the window the run reads with a margin of days is always a superset of what it
needs. A file whose time fields do not all parse, or a raw table with no declared time field
(reference data, colocation invoices, Azure's locale-formatted dates), gets no span and is
read by every run, as every file was before spans existed: nothing can be missed.

Computed set-based in DuckDB over the parsed batch, once per file, while the file loads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class TimeField:
    """One field of a raw row that dates it; formats empty = ISO-8601 (the date part is read)."""

    expression: str
    formats: tuple[str, ...] = ()

    def as_date(self, text: str) -> str:
        if not self.formats:
            return f"try_cast(substr({text}, 1, 10) as date)"
        patterns = ", ".join(f"'{pattern}'" for pattern in self.formats)
        return f"cast(try_strptime({text}, [{patterns}]) as date)"


def _iso(*columns: str) -> tuple[TimeField, ...]:
    return tuple(TimeField(f'"{column}"') for column in columns)


# The fields each raw table's rows are dated by; every one the staging model windows on.
TIME_FIELDS: dict[str, tuple[TimeField, ...]] = {
    "slurm_jobs": _iso("Submit", "Start", "End"),
    "opencost_allocations": _iso("Date"),
    "opencost_allocation_records": (
        TimeField("json_extract_string(record, '$.window.start')"),
        TimeField("json_extract_string(record, '$.window.end')"),
    ),
    "energy_cumulative_kwh": _iso("Timestamp"),
    "energy_interval_wh": _iso("interval_start_utc"),
    "energy_tenth_kwh_counter": (TimeField('"ReadingTime"', ("%d/%m/%Y %H:%M",)),),
    "energy_ptd_power_log": (TimeField('"column01"', ("%m-%d-%Y %H:%M:%S.%g", "%m-%d-%Y %H:%M:%S")),),
    "focus_charges": _iso("ChargePeriodStart", "ChargePeriodEnd"),
    "aws_cur_line_items": _iso("lineItem/UsageStartDate", "lineItem/UsageEndDate"),
    "gcp_billing_lines": _iso("usage_start_time", "usage_end_time"),
    "oci_cost_lines": _iso("lineItem/intervalUsageStart", "lineItem/intervalUsageEnd"),
}


def _column_of(expression: str) -> str | None:
    """The batch column a plain field expression names (`"Start"` -> Start), else None."""
    return expression[1:-1] if expression.startswith('"') and expression.endswith('"') else None


def span_sql(raw_table: str, columns: list[str], relation: str) -> str | None:
    """SELECT giving (first_date, last_date, unparsed_values) over `relation`, or None when
    the table declares no time field the batch carries (the file's span is then unknown)."""
    present = {column.lower() for column in columns}
    fields = [
        field
        for field in TIME_FIELDS.get(raw_table, ())
        if (column := _column_of(field.expression)) is None or column.lower() in present
    ]
    if not fields:
        return None
    # A value without a digit ('Unknown', 'None', an empty field) dates nothing; a value with
    # digits that does not parse makes the span unknown, so such a file is read by every run.
    values = " union all ".join(
        f"select nullif(trim(cast({field.expression} as varchar)), '') as text, "
        f"{field.as_date(f'trim(cast({field.expression} as varchar))')} as value_date "
        f"from {relation}"
        for field in fields
    )
    return (
        "select min(value_date), max(value_date), "
        "count(*) filter (where regexp_matches(text, '[0-9]') and value_date is null) "
        f"from ({values})"
    )


def file_span(
    con: duckdb.DuckDBPyConnection, raw_table: str, columns: list[str], relation: str
) -> tuple[dt.date | None, dt.date | None]:
    """First and last date the file's rows speak of; (None, None) when unknown."""
    query = span_sql(raw_table, columns, relation)
    if query is None:
        return None, None
    # fetchall, not fetchone: an unfinished result would block the file's next statement
    first, last, unparsed = con.execute(query).fetchall()[0]
    if unparsed or first is None:
        return None, None
    return first, last
