"""The file registry: one row per distinct (path, content) ever seen in landing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# First and last date a loaded file's rows speak of; (None, None) when unknown.
EventSpan = tuple[dt.date | None, dt.date | None]
UNKNOWN_SPAN: EventSpan = (None, None)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class RegistryState:
    """What the registry already holds, read once per ingest run instead of once per file."""

    seen: set[tuple[str, str]] = field(default_factory=set)
    versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> RegistryState:
        rows = con.execute("select source_file, file_sha256, file_version from raw.file_registry").fetchall()
        state = cls()
        for source_file, sha256, version in rows:
            state.seen.add((source_file, sha256))
            state.versions[source_file] = max(version, state.versions.get(source_file, 0))
        return state

    def is_known(self, source_file: str, sha256: str) -> bool:
        return (source_file, sha256) in self.seen

    def next_version(self, source_file: str, sha256: str) -> int:
        """Version number for new content at a path."""
        version = self.versions.get(source_file, 0) + 1
        self.versions[source_file] = version
        self.seen.add((source_file, sha256))
        return version

    @staticmethod
    def supersede(con: duckdb.DuckDBPyConnection, source_file: str, version: int) -> None:
        """Older versions of a path stop being current (in the transaction recording the new one)."""
        if version > 1:
            con.execute(
                "update raw.file_registry set is_current = false where source_file = ?", [source_file]
            )


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
    span: EventSpan = UNKNOWN_SPAN,
    period: str | None = None,
) -> None:
    con.execute(
        """
        insert into raw.file_registry (
            source_file, file_sha256, source_kind, source_id, raw_table, row_count, file_version,
            is_current, status, error, first_seen_at, first_event_date, last_event_date,
            ingested_for_period
        )
        values (?, ?, ?, ?, ?, ?, ?, true, ?, ?, now()::timestamp, ?, ?, ?)
        """,
        [
            source_file,
            sha256,
            source_kind,
            source_id,
            raw_table,
            row_count,
            version,
            status,
            error,
            *span,
            period,
        ],
    )
