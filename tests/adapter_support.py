"""Helpers for adapter tests: drop files into a landing folder, ingest, build a few dbt models."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.loader import IngestReport, ingest_landing
from tests.conftest import SEEDS_DIR
from tests.dbt_support import WAREHOUSE_NAME, dbt


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
    for command in (["seed"], ["run", "-s", select]):
        result = dbt(warehouse, work, *command, period=period)
        assert result.returncode == 0, result.stdout[-4000:]


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def build_vendor_warehouse(
    root: Path, landing: Path, period: str, tested: list[str], also_built: tuple[str, ...] = ()
) -> duckdb.DuckDBPyConnection:
    """Ingest `landing`, build the vendor models and the exception queue for `period` (and the
    `also_built` selectors), run the data tests of the `tested` selectors; a read-only
    connection with the ingest's rejections as the temp table `ingest_rejections`."""
    database = root / WAREHOUSE_NAME
    report = ingest(landing, database)
    for args in (
        ["seed", "--quiet"],
        ["run", "--quiet", "-s", "+int_vendor_charges__conservation", "+fct_billing_exceptions", *also_built],
        ["test", "--quiet", "--indirect-selection", "cautious", "-s", *tested],
    ):
        done = dbt(database, root, *args, period=period)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    con = duckdb.connect(str(database), read_only=True)
    con.execute("create temp table ingest_rejections (source_file varchar, error varchar)")
    if report.rejected:
        con.executemany("insert into ingest_rejections values (?, ?)", list(report.rejected.items()))
    return con
