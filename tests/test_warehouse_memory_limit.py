"""Every DuckDB process of a run holds at most MET_DUCKDB_MEMORY_LIMIT and spills beyond it.

A run has one DuckDB process at a time next to Dagster's (dbt's build, then each export and
gate), so the limit is what keeps a 50-million-row month within 8 GiB: dbt's connection and
the Python steps' connections must carry it (the gates' connection passes it through GX, and
the gate tests run every suite through that connection).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.wiring.warehouse_connect import DEFAULT_MEMORY_LIMIT, connect
from tests.dbt_support import WAREHOUSE_NAME, dbt

LIMIT = "1GB"
# How DuckDB reports 1 GB (10^9 bytes) back.
REPORTED = "953.6 MiB"


def _reported(limit: str) -> str:
    with duckdb.connect(config={"memory_limit": limit}) as con:
        row = con.execute("select current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def test_python_connections_carry_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / WAREHOUSE_NAME
    with connect(warehouse) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == (
            _reported(DEFAULT_MEMORY_LIMIT),
        )
    monkeypatch.setenv("MET_DUCKDB_MEMORY_LIMIT", LIMIT)
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == (REPORTED,)
        # Beyond the limit it spills beside the warehouse (DuckDB's default for a database file).
        assert con.execute("select current_setting('temp_directory')").fetchone() == (f"{warehouse}.tmp",)


def test_dbt_connection_carries_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MET_DUCKDB_MEMORY_LIMIT", LIMIT)
    warehouse = tmp_path / WAREHOUSE_NAME
    shown = dbt(
        warehouse,
        tmp_path,
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit",
        "--output",
        "json",
        "--log-format",
        "json",
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    previews = [
        json.loads(line)["data"]["preview"] for line in shown.stdout.splitlines() if '"preview"' in line
    ]
    assert [json.loads(preview) for preview in previews] == [[{"memory_limit": REPORTED}]]
