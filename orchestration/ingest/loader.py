"""Load every new landing file into its raw table, verbatim and fingerprinted.

Set-based: DuckDB parses each file into Arrow (all columns as text), the record number
is one vectorised column, and the batch is inserted by name. Each file loads in its own
transaction, so a file either lands whole or is rejected with a reason; the run goes on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.close.ledger import ensure_ledger
from orchestration.ingest import registry
from orchestration.ingest.layouts import (
    LAYOUT_COLUMN,
    RAW_TABLES,
    TRAILING_FIELD,
    Declarations,
    Layout,
    UnknownLayoutError,
    declared_columns,
    layout_for,
)
from orchestration.ingest.vendor_layouts import HeaderError
from orchestration.receivables.bank_load import BANK_FOLDER, ensure_bank_tables

METADATA_COLUMNS = ("_source_file", "_source_row", "_file_sha256", "_source_id", "_loaded_at")
RAW_TABLES_WITH_COLUMNS = (
    "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
)


@dataclass
class IngestReport:
    """What one ingest run did, per file outcome and per raw table."""

    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    rows_by_table: Counter[str] = field(default_factory=Counter)

    def as_metadata(self) -> dict[str, object]:
        return {
            "files_loaded": len(self.loaded),
            "files_unchanged": len(self.unchanged),
            "files_new_version": len(self.new_versions),
            "files_rejected": len(self.rejected),
            "rejections": json.dumps(self.rejected, sort_keys=True),
            "rows_by_table": json.dumps(dict(sorted(self.rows_by_table.items()))),
        }


class LayoutMismatchError(ValueError):
    """The file's header does not match its declared layout."""


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


PARQUET_SUFFIXES = (".parquet", ".parq")


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_expression(quoted: str, arrow_type: pa.DataType) -> str:
    """One Parquet value as text: nested values as JSON, zoned timestamps as ISO-8601 UTC."""
    if pa.types.is_nested(arrow_type):
        return f"to_json({quoted})::varchar"
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
        return f"strftime(timezone('UTC', {quoted}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    return f"{quoted}::varchar"


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list[str]]:
    """A Parquet file as all-text columns. Records (BigQuery's `usage`, `sku`, ...) are
    flattened one level to `<record>_<field>`; lists and maps (credits, labels) become JSON."""
    source = f"read_parquet({_sql_string(str(path))})"
    schema = con.sql(f"select * from {source} limit 0").to_arrow_table().schema
    selects: list[str] = []
    header: list[str] = []
    for parquet_field in schema:
        quoted = _sql_identifier(parquet_field.name)
        if pa.types.is_struct(parquet_field.type):
            for child in parquet_field.type:
                child_quoted = quoted + "." + _sql_identifier(child.name)
                name = f"{parquet_field.name}_{child.name}"
                selects.append(f'{_text_expression(child_quoted, child.type)} as "{name}"')
                header.append(name)
        else:
            selects.append(f"{_text_expression(quoted, parquet_field.type)} as {quoted}")
            header.append(parquet_field.name)
    return f"(select {', '.join(selects)} from {source})", header


def _csv_source(path: Path, layout: Layout, names: list[str] | None = None) -> str:
    named = f", names = [{', '.join(_sql_string(n) for n in names)}]" if names else ""
    return (
        f"read_csv({_sql_string(str(path))}, header = {str(layout.has_header).lower()}, "
        f"all_varchar = true, delim = {_sql_string(layout.delimiter)}, quote = '\"', "
        f"escape = '\"'{named})"
    )


def _declared_names(width: int, layout: Layout) -> list[str]:
    """Column names of a headerless file from its declared field list (plus a trailing empty field)."""
    declared = list(layout.names)
    if width == len(declared):
        return declared
    if width == len(declared) + 1:
        return [*declared, TRAILING_FIELD]
    raise LayoutMismatchError(f"{width} fields per line, but the declared field list has {len(declared)}")


def _read_allocation_api(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    """OpenCost `/allocation` response -> one row per (step, allocation), in document order."""
    document = (
        f"read_json_objects({_sql_string(str(path))}, format = 'auto', maximum_object_size = 2147483647)"
    )
    codes = con.execute(f"select json->>'$.code', json_type(json->'$.data') from {document}").fetchall()
    bad = [(code, kind) for code, kind in codes if code != "200" or kind != "ARRAY"]
    if bad or not codes:
        code, kind = bad[0] if bad else (None, None)
        raise LayoutMismatchError(f"not an allocation response: code={code}, data is {kind or 'missing'}")
    return con.sql(
        f"""
        with doc as (
            select from_json(json->'$.data', '["JSON"]') as steps from {document}
        ),
        steps as (
            select unnest(steps) as step, unnest(range(1, len(steps) + 1)) as step_index from doc
        ),
        entries as (
            select
                step_index,
                unnest(map_entries(allocations)) as entry,
                unnest(range(1, cast(cardinality(allocations) as bigint) + 1)) as key_index,
            from (select step_index, from_json(step, '"MAP(VARCHAR, JSON)"') as allocations from steps)
        )
        select cast(step_index as varchar) as step_index, entry.key as allocation_key,
            cast(entry.value as varchar) as record
        from entries
        order by step_index, key_index
        """
    ).to_arrow_table()


def _read(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout) -> pa.Table:
    """Parse one file into an all-text Arrow table in file order."""
    if layout.json_allocation_api:
        return _read_allocation_api(con, path)
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        source, header = _parquet_source(con, path)
    else:
        # read_csv decompresses `.csv.gz` by its extension.
        source = _csv_source(path, layout)
        header = [d[0] for d in con.execute(f"select * from {source} limit 0").description]
        if layout.names:
            header = _declared_names(len(header), layout)
            source = _csv_source(path, layout, header)
        if layout.source_kind == "slurm" and header[-1] == f"column{len(header) - 1}":
            # `sacct --parsable` with a header: the header line ends in the delimiter as well.
            header = [*header[:-1], TRAILING_FIELD]
            source = _csv_source(path, layout, header)
    if layout.rename is not None:
        header = [layout.rename(column) for column in header]
    missing = [column for column in layout.required if column not in header]
    if missing:
        raise LayoutMismatchError(f"missing column '{missing[0]}' (expected {', '.join(layout.required)})")
    extra = [column for column in header if column not in layout.columns]
    if extra and not layout.extra_columns_allowed:
        raise LayoutMismatchError(f"unexpected column '{extra[0]}'")
    variant = None
    if layout.recognise is not None:
        try:
            variant = layout.recognise(header)
        except HeaderError as error:
            raise LayoutMismatchError(str(error)) from error
    if layout.as_json_record:
        select = "to_json(t)::varchar as record"
    elif layout.rename is not None:
        select = ", ".join(f'#{i + 1} as "{name}"' for i, name in enumerate(header))
    else:
        select = "*"
    if variant is not None:
        select += f", {_sql_string(variant)} as {LAYOUT_COLUMN}"
    return con.sql(f"select {select} from {source} as t").to_arrow_table()


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared raw table, so staging runs even before a source's first file."""
    types = {"_source_row": "bigint", "_loaded_at": "timestamp"}
    for table in RAW_TABLES:
        if table == "file_registry":
            continue
        columns = (*declared_columns(table), *METADATA_COLUMNS)
        body = ", ".join(f'"{c}" {types.get(c, "varchar")}' for c in columns)
        con.execute(f"create table if not exists raw.{table} ({body})")
        # A warehouse created before a column was declared (e.g. `_layout`) gains it empty.
        existing = {
            row[0].lower()
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ?",
                [table],
            ).fetchall()
        }
        for column in columns:
            if column.lower() not in existing:
                con.execute(f'alter table raw.{table} add column "{column}" {types.get(column, "varchar")}')


def _add_new_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], existing: set[str]
) -> None:
    """A source column not seen before (e.g. a newer FOCUS version) becomes a raw column."""
    # DuckDB names are case-insensitive: Azure EA `Cost` and MCA `cost` are one column.
    folded = {name.lower() for name in existing}
    for column in columns:
        if column.lower() not in folded:
            con.execute(f'alter table raw.{table} add column "{column}" varchar')
            existing.add(column)
            folded.add(column.lower())


def ingest_landing(con: duckdb.DuckDBPyConnection, landing_dir: Path, seeds_dir: Path) -> IngestReport:
    """Load all files under landing_dir that the registry has not seen with this content."""
    con.execute("set timezone = 'UTC'")
    # Checkpoint once at the end instead of after every file's commit (halves ingest time).
    con.execute("set wal_autocheckpoint = '4GB'")
    registry.ensure_registry(con)
    known = registry.RegistryState.load(con)
    ensure_raw_tables(con)
    ensure_bank_tables(con)
    # The close's ledger exists from the first load: models check policy edits against it.
    ensure_ledger(con)
    declarations = Declarations.from_seeds(seeds_dir)
    report = IngestReport()
    columns_by_table: dict[str, set[str]] = {table: set() for table in RAW_TABLES}
    for table, column in con.execute(RAW_TABLES_WITH_COLUMNS).fetchall():
        columns_by_table.setdefault(table, set()).add(column)

    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(landing_dir)
        if relative.parts[0] == BANK_FOLDER:
            continue  # bank statements have their own readers (orchestration.receivables)
        source_file = relative.as_posix()
        sha256 = registry.file_sha256(path)
        if known.is_known(source_file, sha256):
            report.unchanged.append(source_file)
            continue
        con.execute("begin transaction")
        version = known.next_version(con, source_file, sha256)
        layout: Layout | None = None
        source_id: str | None = None
        try:
            layout, source_id = layout_for(relative, declarations)
            batch = _read(con, path, layout)
        except (UnknownLayoutError, LayoutMismatchError, duckdb.Error) as error:
            text = str(error).splitlines()[0]
            message = text if text.startswith(source_file) else f"{source_file}: {text}"
            registry.record(
                con,
                source_file=source_file,
                sha256=sha256,
                version=version,
                source_kind=layout.source_kind if layout else None,
                source_id=source_id,
                raw_table=None,
                row_count=0,
                status="rejected",
                error=message,
            )
            con.execute("commit")
            report.rejected[source_file] = message
            continue
        # Zero-copy record numbers (pa.array on an ndarray takes a slow element-wise path here).
        row_numbers = np.arange(1, batch.num_rows + 1, dtype=np.int64)
        batch = batch.append_column(
            "_source_row",
            pa.Array.from_buffers(pa.int64(), batch.num_rows, [None, pa.py_buffer(row_numbers)]),
        )
        _add_new_columns(con, layout.raw_table, batch.column_names, columns_by_table[layout.raw_table])
        con.register("landing_batch", batch)
        con.execute(
            f"""
            insert into raw.{layout.raw_table} by name
            select *, {_sql_string(source_file)} as _source_file, {_sql_string(sha256)} as _file_sha256,
                {_sql_string(source_id)} as _source_id, now()::timestamp as _loaded_at
            from landing_batch
            """
        )
        con.unregister("landing_batch")
        registry.record(
            con,
            source_file=source_file,
            sha256=sha256,
            version=version,
            source_kind=layout.source_kind,
            source_id=source_id,
            raw_table=layout.raw_table,
            row_count=batch.num_rows,
            status="loaded",
            error=None,
        )
        con.execute("commit")
        (report.new_versions if version > 1 else report.loaded).append(source_file)
        report.rows_by_table[layout.raw_table] += batch.num_rows
    con.execute("checkpoint")
    return report
