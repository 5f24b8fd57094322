"""Shared test fixtures: paths, a fresh DuckDB warehouse per test and the demo month built once."""

from __future__ import annotations

import hashlib
import os
import shutil
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


# The end-to-end tests write DuckDB files and Dagster's SQLite event log, which commits (and
# syncs) once per event: on a RAM-backed folder a billing run takes about a sixth less time. A
# session leaves about 2.5 GB there, so the folder is used only with room to spare and emptied
# after a session that passed (a failed one keeps its files to look at).
RAM_FOLDER = Path("/dev/shm")
RAM_FOLDER_MIN_FREE = 8 * 2**30
RAM_BASETEMP = pytest.StashKey[Path]()


def _ram_basetemp() -> Path | None:
    if not RAM_FOLDER.is_dir() or not os.access(RAM_FOLDER, os.W_OK):
        return None
    if shutil.disk_usage(RAM_FOLDER).free < RAM_FOLDER_MIN_FREE:
        return None
    # One folder per checkout: pytest empties its basetemp when a session starts, so two
    # checkouts tested at once must not share one.
    checkout = hashlib.sha256(str(PROJECT_DIR).encode()).hexdigest()[:12]
    return RAM_FOLDER / f"meterline-pytest-{os.getuid()}-{checkout}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Parse the dbt project once, before any test worker starts (they only read the manifest);
    put the session's temporary folders in RAM where the machine has a RAM folder and nobody
    chose another place (`--basetemp`). xdist hands each worker its own folder under it."""
    if not hasattr(config, "workerinput"):
        basetemp = _ram_basetemp() if config.option.basetemp is None else None
        if basetemp is not None:
            config.option.basetemp = str(basetemp)
            config.stash[RAM_BASETEMP] = basetemp
        from orchestration.wiring.dbt_project import prepare_dbt_project

        prepare_dbt_project()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    basetemp = session.config.stash.get(RAM_BASETEMP, None)
    if basetemp is not None and exitstatus == 0:
        shutil.rmtree(basetemp, ignore_errors=True)


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
