"""Shared test fixtures: paths, a fresh DuckDB warehouse per test and the demo month built once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import DemoMonth, shared_demo_month
from tests.ledger_support import build_export_models

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
REAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"


def pytest_configure(config: pytest.Config) -> None:
    """Parse the dbt project once, before any test worker starts (they only read the manifest)."""
    if not hasattr(config, "workerinput"):
        from orchestration.wiring.dbt_project import prepare_dbt_project

        prepare_dbt_project()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        yield con
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_month(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DemoMonth:
    """The demo month generated, billed and closed once per session (it is the slowest step),
    shared by the xdist workers through their common temporary folder; end-to-end tests work
    on their own copy of it."""
    base = tmp_path_factory.getbasetemp()
    return shared_demo_month((base if worker_id == "master" else base.parent) / "shared", PROJECT_DIR)


@pytest.fixture(scope="session")
def export_models_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty ledger with the export models (real dbt views) built over it, once per session;
    tests write ledger rows into their own copy (tests/ledger_support.copy_warehouse)."""
    return build_export_models(tmp_path_factory.mktemp("export-models"))
