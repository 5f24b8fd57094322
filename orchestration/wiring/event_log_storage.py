"""Dagster's SQLite event log, keeping one connection pool per database file.

Dagster's own SQLite event log opens a new SQLAlchemy engine and connection for every event
it stores, and closes it again: about 5,900 engines for one demo month's 1,474 events. Each
new engine compiles its statements anew (SQLAlchemy caches compiled SQL per engine), and each
last connection to close checkpoints the write-ahead log. Storing events took half of a
profiled demo billing run; before the first step, writing the 608 planned-asset events alone
took 5.7 to 9 s (1.3 to 3.2 s with this storage). This storage keeps the same files, tables
and locking (the run's own database, the cross-run index), but reuses one engine per database
for the life of the process.

meterline's own commands open the instance with `open_instance()`. dagster.yaml names no
storage (instance_config), so the UI, `dagster` commands and `DagsterInstance.from_config` use
Dagster's own storage on the same files: SQLite's locks and write-ahead log serialise the
processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine

# The unified storage Dagster uses when dagster.yaml configures none: the one replaced here.
DAGSTER_DEFAULT_STORAGE = ("dagster._core.storage.sqlite_storage", "DagsterSqliteStorage")


def open_instance() -> DagsterInstance:
    """The instance of DAGSTER_HOME as `DagsterInstance.get()` opens it, with the pooled event
    log in place of Dagster's when the instance keeps Dagster's default SQLite storage (one
    configured otherwise in dagster.yaml, e.g. Postgres, is used as it is)."""
    if not os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()  # Dagster's own error, naming what to set
    ref = InstanceRef.from_dir(os.environ["DAGSTER_HOME"])
    data = ref.storage_data
    if data is None or (data.module_name, data.class_name) != DAGSTER_DEFAULT_STORAGE:
        return DagsterInstance.from_ref(ref)
    pooled = ConfigurableClassData(__name__, PooledDagsterSqliteStorage.__name__, data.config_yaml)
    return DagsterInstance.from_ref(ref._replace(storage_data=pooled))


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one pooled engine per database file (run or index)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: dict[str, Engine] = {}
        self._engines_lock = threading.Lock()
        # Tables found in the index database. Dagster asks before every asset event whether
        # its optional tables exist (a new engine each time); a table once there stays there.
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
                )
                self._engines[shard] = engine
            return engine

    def has_table(self, table_name: str) -> bool:
        # Without _db_lock, as Dagster's own: it is asked while a transaction holds that lock.
        if table_name not in self._tables_present:
            with self._engine(INDEX_SHARD_NAME).connect() as conn:
                if conn.dialect.has_table(conn, table_name):
                    self._tables_present.add(table_name)
        return table_name in self._tables_present

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The same steps as Dagster's _connect (one thread at a time, create the database on
        # first use, one transaction per use), on a kept engine instead of a new one.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    # Copy the write-ahead log into the run's database file, as closing Dagster's
                    # own last connection does: watchers of a live run (the UI) react to that
                    # file changing, not to its -wal file.
                    conn.exec_driver_sql("pragma wal_checkpoint(passive)")

    def _dispose_engines(self) -> None:
        with self._db_lock, self._engines_lock:
            engines, self._engines = self._engines, {}
            self._tables_present = set()
        for engine in engines.values():
            engine.dispose()

    def wipe(self) -> None:
        # Files are deleted: no connection may stay open on them.
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


class PooledDagsterSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, schedules and event log under DAGSTER_HOME),
    with the pooled event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(self._event_log_storage._base_dir)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledDagsterSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
