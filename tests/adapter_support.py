"""Helpers for adapter tests: drop files into a landing folder, ingest, build a few dbt models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.ingest.loader import IngestReport, ingest_landing
from tests.conftest import PROJECT_DIR, SEEDS_DIR


def drop(landing: Path, relative: str, *, source: Path | None = None, text: str | None = None) -> Path:
    target = landing / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copyfile(source, target)
    else:
        target.write_text(text or "", encoding="utf-8")
    return target


def ingest(landing: Path, warehouse: Path) -> IngestReport:
    con = duckdb.connect(str(warehouse))
    try:
        return ingest_landing(con, landing, SEEDS_DIR)
    finally:
        con.close()


def dbt_build(warehouse: Path, work: Path, select: str, period: str = "2026-10") -> None:
    """Seed, then run (not test) the selected models on a small warehouse."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "MET_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    common = [
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--vars", f'{{billing_period: "{period}"}}',
    ]  # fmt: skip
    for command in (["seed"], ["run", "-s", select]):
        result = subprocess.run(
            [dbt, *command, *common], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout[-4000:]


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
