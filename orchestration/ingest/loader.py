"""Load every new landing file into its raw table, verbatim and fingerprinted.

Set-based: DuckDB parses each file into Arrow (all columns as text), the record number
is one vectorised column, and the batch is inserted by name. A file either lands whole or is
rejected with a reason, and the run goes on: files commit in groups (GROUP_ROWS), and a group
whose transaction fails loads again one file per transaction.

Reading and writing overlap: one thread fingerprints and parses the next files (and dates
their rows) while the ingest's own thread inserts the file before them, in the sorted order
the files are listed, so what lands, and in which order, is the same as one file at a time.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.ingest import event_span, file_checks, read_rules, registry
from orchestration.ingest.layouts import (
    LAYOUT_COLUMN,
    RAW_TABLES,
    TRAILING_FIELD,
    Declarations,
    Layout,
    UnknownLayoutError,
    layout_for,
)
from orchestration.ingest.vendor_layouts import HeaderError, missing_message
from orchestration.receivables.bank_load import BANK_FOLDER, ensure_bank_tables
from orchestration.wiring.warehouse_setup import prepare_warehouse

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


class FileRejectedError(ValueError):
    """The file cannot be read: not text, wrong encoding, truncated, ragged, or outside landing."""


# Every error that rejects one file rather than stopping the run.
READ_ERRORS = (
    UnknownLayoutError,
    LayoutMismatchError,
    FileRejectedError,
    duckdb.Error,
    pa.ArrowException,
    OSError,
    UnicodeError,
)


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


def _csv_source(path: Path, layout: Layout, rule: read_rules.ReadRule, names: list[str] | None = None) -> str:
    named = f", names = [{', '.join(_sql_string(n) for n in names)}]" if names else ""
    # a short row of a sacct layout, or of a source declared `pad`, gets empty trailing fields
    # instead of a rejection
    padded = ", null_padding = true" if layout.ragged_rows or rule.ragged_rows == "pad" else ""
    return (
        f"read_csv({_sql_string(str(path))}, header = {str(layout.has_header).lower()}, "
        f"all_varchar = true, delim = {_sql_string(layout.delimiter)}, quote = '\"', "
        f"escape = '\"', encoding = {_sql_string(file_checks.text_encoding(path))}{named}{padded})"
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


def _read(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, rule: read_rules.ReadRule) -> pa.Table:
    """Parse one file into an all-text Arrow table in file order.

    A file of a source declared in another encoding (Latin-1, Windows-1252, UTF-16 without a
    byte-order mark) is read from a UTF-8 copy. A layout with ragged rows (sacct) is read
    without its `#` comment lines. A delimited file DuckDB refuses is read again with its line
    endings made uniform when it mixes CRLF and LF; otherwise it is rejected with the first
    cause the diagnosis names.
    """
    is_delimited = not layout.json_allocation_api and not path.name.lower().endswith(PARQUET_SUFFIXES)
    if is_delimited and rule.needs_transcoding:
        data = file_checks.read_bytes(path)
        problem = read_rules.decode_problem(data, rule.encoding)
        if problem is not None:
            raise FileRejectedError(problem)
        with tempfile.TemporaryDirectory() as scratch:
            utf8 = Path(scratch) / path.name.removesuffix(".gz")
            utf8.write_bytes(read_rules.transcode(data, rule.encoding))
            del data
            return _read(con, utf8, layout, read_rules.ReadRule("utf-8", rule.ragged_rows))
    if layout.ragged_rows:
        data = file_checks.read_bytes(path)
        if file_checks.has_comment_lines(data):
            with tempfile.TemporaryDirectory() as scratch:
                uncommented = Path(scratch) / path.name.removesuffix(".gz")
                uncommented.write_bytes(file_checks.without_comment_lines(data))
                del data
                return _read(con, uncommented, layout, rule)
        del data
    try:
        return _parse(con, path, layout, rule)
    except duckdb.Error as error:
        if layout.json_allocation_api or path.name.lower().endswith(PARQUET_SUFFIXES):
            raise
        data = file_checks.read_bytes(path)
        if file_checks.has_mixed_line_endings(data):
            with tempfile.TemporaryDirectory() as scratch:
                uniform = Path(scratch) / path.name.removesuffix(".gz")
                uniform.write_bytes(data.replace(b"\r\n", b"\n"))
                del data
                return _parse(con, uniform, layout, rule)
        del data
        width = len(layout.names) if layout.names else None
        cause = file_checks.diagnose(path, layout.delimiter, layout.has_header, width)
        if cause is None:
            raise
        raise FileRejectedError(cause) from error


def _parse(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, rule: read_rules.ReadRule) -> pa.Table:
    if layout.json_allocation_api:
        return _read_allocation_api(con, path)
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        source, header = _parquet_source(con, path)
    else:
        # read_csv decompresses `.csv.gz` by its extension.
        source = _csv_source(path, layout, rule)
        header = [d[0] for d in con.execute(f"select * from {source} limit 0").description]
        if layout.names:
            header = _declared_names(len(header), layout)
            source = _csv_source(path, layout, rule, header)
        unnamed_last = layout.has_header and header[-1] == f"column{len(header) - 1}"
        if unnamed_last and rule.ragged_rows == "ignore_trailing_empty_header":
            # every line ends in the delimiter: the empty last field is no column
            source = f"(select * exclude ({_sql_identifier(header[-1])}) from {source})"
            header = header[:-1]
        elif layout.source_kind == "slurm" and unnamed_last:
            # `sacct --parsable` with a header: the header line ends in the delimiter as well.
            header = [*header[:-1], TRAILING_FIELD]
            source = _csv_source(path, layout, rule, header)
    if layout.rename is not None:
        header = [layout.rename(column) for column in header]
    # `A|B`: either field meets the requirement (sacct's ElapsedRaw or Elapsed); case as in the
    # raw table, where DuckDB names are case-insensitive (sacct `NCPUS`, a declared `NCPUs`).
    present = {column.lower() for column in header}
    missing = [column for column in layout.required if not present.intersection(column.lower().split("|"))]
    if missing:
        raise LayoutMismatchError(f"{missing_message(missing)} (expected {', '.join(layout.required)})")
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


def _insert(
    con: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    layout: Layout,
    source_file: str,
    sha256: str,
    source_id: str | None,
    columns_by_table: dict[str, set[str]],
) -> int:
    """Append one parsed file to its raw table with its record numbers; returns its row count."""
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
        select *, ? as _source_file, ? as _file_sha256, ? as _source_id, now()::timestamp as _loaded_at
        from landing_batch
        """,
        [source_file, sha256, source_id],
    )
    # Not in a `finally`: after an error DuckDB has aborted the transaction, where
    # unregistering fails as well and its error would replace the cause in the rejection.
    # The next file's batch replaces the name.
    con.unregister("landing_batch")
    return batch.num_rows


def _raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    columns_by_table: dict[str, set[str]] = {table: set() for table in RAW_TABLES}
    for table, column in con.execute(RAW_TABLES_WITH_COLUMNS).fetchall():
        columns_by_table.setdefault(table, set()).add(column)
    return columns_by_table


def _rejection(source_file: str, error: Exception) -> str:
    """One line naming the file and the cause."""
    text = (str(error).splitlines() or [type(error).__name__])[0]
    return text if text.startswith(source_file) else f"{source_file}: {text}"


# Files load in groups that share one transaction, committed once a group holds this many
# rows: DuckDB writes a large append straight to the database file, where a small file's
# commit first copies its rows into the write-ahead log and the checkpoint copies them again
# (a third of the ingest time on a 5-million-row month). A group's parsed files stay in
# memory until it commits, so the budget also bounds what ingest holds.
GROUP_ROWS = 1_000_000


@dataclass
class _Landed:
    """One new landing file, parsed (or refused), waiting for its group's commit."""

    source_file: str
    sha256: str
    version: int
    layout: Layout | None = None
    source_id: str | None = None
    batch: pa.Table | None = None
    span: registry.EventSpan = registry.UNKNOWN_SPAN
    rejection: str | None = None
    rows: int = 0


def _record(
    con: duckdb.DuckDBPyConnection,
    landed: _Landed,
    columns_by_table: dict[str, set[str]],
    period: str | None,
) -> None:
    """The file's rows and its registry entry, in the open transaction (a refused file: its
    registry entry only). Raises READ_ERRORS when the rows cannot be inserted."""
    registry.RegistryState.supersede(con, landed.source_file, landed.version)
    layout = landed.layout
    if landed.rejection is not None or landed.batch is None or layout is None:
        registry.record(
            con,
            source_file=landed.source_file,
            sha256=landed.sha256,
            version=landed.version,
            source_kind=layout.source_kind if layout else None,
            source_id=landed.source_id,
            raw_table=None,
            row_count=0,
            status="rejected",
            error=landed.rejection,
            period=period,
        )
        return
    rows = _insert(
        con, landed.batch, layout, landed.source_file, landed.sha256, landed.source_id, columns_by_table
    )
    registry.record(
        con,
        source_file=landed.source_file,
        sha256=landed.sha256,
        version=landed.version,
        source_kind=layout.source_kind,
        source_id=landed.source_id,
        raw_table=layout.raw_table,
        row_count=rows,
        status="loaded",
        error=None,
        span=landed.span,
        period=period,
    )
    landed.rows = rows


def _committed(report: IngestReport, group: list[_Landed]) -> None:
    for landed in group:
        if landed.rejection is not None:
            report.rejected[landed.source_file] = landed.rejection
        elif landed.layout is not None:
            (report.new_versions if landed.version > 1 else report.loaded).append(landed.source_file)
            report.rows_by_table[landed.layout.raw_table] += landed.rows


def _load_one_by_one(
    con: duckdb.DuckDBPyConnection,
    group: list[_Landed],
    report: IngestReport,
    period: str | None,
) -> None:
    """Each file of a group whose shared transaction failed, in a transaction of its own: the
    file that failed is rejected with its reason, the others load as they would have."""
    for landed in group:
        columns_by_table = _raw_columns(con)
        con.execute("begin transaction")
        try:
            _record(con, landed, columns_by_table, period)
        except READ_ERRORS as error:
            # The failed insert aborted the file's transaction (and any raw column added for
            # it): the rejection is written in a fresh one, so it is recorded and the next
            # file loads.
            con.execute("rollback")
            landed.rejection = _rejection(landed.source_file, error)
            landed.batch = None
            con.execute("begin transaction")
            _record(con, landed, columns_by_table, period)
        con.execute("commit")
        landed.batch = None
        _committed(report, [landed])


# How many files the reading thread works ahead of the one being inserted: one parsed and
# waiting while it parses the next keeps both threads busy; more would only hold more files
# in memory beside the group's (GROUP_ROWS).
READ_AHEAD = 2


@dataclass(frozen=True)
class _Reading:
    """What reading a landing file needs besides the file: the same for every file of a run."""

    landing_dir: Path
    known: registry.RegistryState
    declarations: Declarations


def _read_landing_file(reader: duckdb.DuckDBPyConnection, path: Path, reading: _Reading) -> _Landed | None:
    """The file fingerprinted, parsed and dated on `reader` (None: known with this content);
    a file that cannot be read comes back with its rejection."""
    relative = path.relative_to(reading.landing_dir)
    source_file = relative.as_posix()
    boundary = file_checks.outside_landing(path, reading.landing_dir)
    # A link's own text is fingerprinted: its target is never opened.
    sha256 = registry.text_sha256(str(path.readlink())) if boundary else registry.file_sha256(path)
    if reading.known.is_known(source_file, sha256):
        return None
    landed = _Landed(source_file, sha256, reading.known.next_version(source_file, sha256))
    try:
        if boundary:
            raise FileRejectedError(boundary)
        landed.layout, landed.source_id = layout_for(relative, reading.declarations)
        rule = read_rules.read_rule_for(reading.declarations.read_rules, relative)
        landed.batch = _read(reader, path, landed.layout, rule)
        reader.register("parsed_batch", landed.batch)
        landed.span = event_span.file_span(
            reader, landed.layout.raw_table, landed.batch.column_names, "parsed_batch"
        )
        reader.unregister("parsed_batch")
    except READ_ERRORS as error:
        landed.rejection = _rejection(source_file, error)
        landed.batch = None
    return landed


def _read_in_order(
    reader: duckdb.DuckDBPyConnection, paths: list[Path], reading: _Reading
) -> Iterator[tuple[Path, _Landed | None]]:
    """Each path with what reading it gave, in the order given, read on one thread of its
    own up to READ_AHEAD files ahead of the caller."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-reader") as pool:
        upcoming = iter(paths)
        pending: deque[tuple[Path, Future[_Landed | None]]] = deque()

        def read_next() -> None:
            path = next(upcoming, None)
            if path is not None:
                pending.append((path, pool.submit(_read_landing_file, reader, path, reading)))

        for _ in range(READ_AHEAD):
            read_next()
        while pending:
            path, future = pending.popleft()
            read_next()
            yield path, future.result()


def ingest_landing(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, seeds_dir: Path, period: str | None = None
) -> IngestReport:
    """Load all files under landing_dir that the registry has not seen with this content.

    `period` is the billing period whose run loads them (recorded as the file's
    ingested_for_period: that run reads the file whatever dates it holds); None when the files
    are loaded outside a billing run, and then every run reads them.
    """
    con.execute("set timezone = 'UTC'")
    # Checkpoint once at the end instead of after every commit.
    con.execute("set wal_autocheckpoint = '4GB'")
    prepare_warehouse(con)
    reading = _Reading(landing_dir, registry.RegistryState.load(con), Declarations.from_seeds(seeds_dir))
    ensure_bank_tables(con)
    report = IngestReport()
    columns_by_table = _raw_columns(con)
    group: list[_Landed] = []
    group_rows = 0
    # Symbolic links are listed too, so that they are rejected rather than silently skipped;
    # bank statements have their own readers (orchestration.receivables).
    paths = sorted(
        path
        for path in landing_dir.rglob("*")
        if (path.is_file() or path.is_symlink()) and path.relative_to(landing_dir).parts[0] != BANK_FOLDER
    )
    # Files are parsed on a connection of their own, outside the group's transaction: a
    # refused parse (DuckDB aborts a transaction at its first error) leaves the group intact.
    with con.cursor() as reader:
        reader.execute("set timezone = 'UTC'")
        for path, landed in _read_in_order(reader, paths, reading):
            if landed is None:
                report.unchanged.append(path.relative_to(landing_dir).as_posix())
                continue
            if not group:
                con.execute("begin transaction")
            group.append(landed)
            try:
                _record(con, landed, columns_by_table, period)
            except READ_ERRORS:
                # The failed insert aborted the group's transaction: its files load again one by one.
                con.execute("rollback")
                _load_one_by_one(con, group, report, period)
                columns_by_table = _raw_columns(con)
                group, group_rows = [], 0
                continue
            group_rows += landed.rows
            if group_rows >= GROUP_ROWS:
                con.execute("commit")
                _committed(report, group)
                group, group_rows = [], 0
    if group:
        con.execute("commit")
        _committed(report, group)
    con.execute("checkpoint")
    return report
