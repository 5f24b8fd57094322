"""The file registry: one row per distinct (path, content) ever seen in landing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

REGISTRY_DDL = """
create schema if not exists raw;
create table if not exists raw.file_registry (
    source_file varchar not null,
    file_sha256 varchar not null,
    source_kind varchar,
    source_id varchar,
    raw_table varchar,
    row_count bigint,
    file_version integer not null,
    is_current boolean not null,
    status varchar not null,
    error varchar,
    first_seen_at timestamp not null,
    primary key (source_file, file_sha256)
);
"""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REGISTRY_DDL)


def is_known(con: duckdb.DuckDBPyConnection, source_file: str, sha256: str) -> bool:
    row = con.execute(
        "select count(*) from raw.file_registry where source_file = ? and file_sha256 = ?",
        [source_file, sha256],
    ).fetchone()
    return bool(row and row[0])


def next_version(con: duckdb.DuckDBPyConnection, source_file: str) -> int:
    """Version number for new content at a path; older versions stop being current."""
    row = con.execute(
        "select coalesce(max(file_version), 0) from raw.file_registry where source_file = ?",
        [source_file],
    ).fetchone()
    con.execute("update raw.file_registry set is_current = false where source_file = ?", [source_file])
    return int(row[0]) + 1 if row else 1


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    source_file: str,
    sha256: str,
    version: int,
    source_kind: str | None,
    source_id: str | None,
    raw_table: str | None,
    row_count: int,
    status: str,
    error: str | None,
) -> None:
    con.execute(
        """
        insert into raw.file_registry values (?, ?, ?, ?, ?, ?, ?, true, ?, ?, now()::timestamp)
        """,
        [source_file, sha256, source_kind, source_id, raw_table, row_count, version, status, error],
    )
