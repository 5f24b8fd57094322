"""A duckdb-engine dialect whose transaction calls are no-ops, for Great Expectations.

GX 1.x fetches metric results after leaving its `engine.connect()` block; duckdb-engine's
rollback on close then discards the pending result and every metric comes back empty.
The gates only read, so dropping begin/commit/rollback is safe. Registered as the
SQLAlchemy dialect `duckdb.gx` (URL scheme `duckdb+gx:///path`) in pyproject.toml.
"""

from __future__ import annotations

from typing import Any

from duckdb_engine import Dialect as DuckDBDialect


class TransactionlessDuckDBDialect(DuckDBDialect):
    name = "duckdb"
    driver = "gx"

    def do_begin(self, dbapi_connection: Any) -> None:
        return None

    def do_commit(self, dbapi_connection: Any) -> None:
        return None

    def do_rollback(self, dbapi_connection: Any) -> None:
        return None
