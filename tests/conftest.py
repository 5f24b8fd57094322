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


# Seconds each slow file took on one worker (setup + calls, `--durations=0`, both 2-core runs
# of CI and a local one). They set only the order in which the files are handed to the xdist
# workers: `--dist loadfile` hands them out one by one in collection order (pyproject turns
# off xdist's own reordering by test count), so the longest go first and the session ends on
# short files, with both workers finishing together instead of one idling while the other
# runs a long end-to-end file it took last. The longest file of all, three months billed one
# after another, does not wait for the shared demo month: it goes first, so the other worker
# builds that month meanwhile. A file missing here counts as DEFAULT_FILE_SECONDS.
FILE_SECONDS = {
    "test_consecutive_months_e2e.py": 300,
    "test_concurrency.py": 250,
    "test_fault_matrix.py": 200,
    "test_monthly_billing_e2e.py": 190,
    "test_estimated_usage_e2e.py": 160,
    "test_reconciliation_e2e.py": 130,
    "test_dunning_evaluation.py": 125,
    "test_receivables_demo_e2e.py": 105,
    "test_period_close_e2e.py": 85,
    "test_gates_block_export.py": 65,
    "test_source_freshness.py": 40,
    "test_sacct_step_only_jobs.py": 35,
    "test_energy_adapter.py": 35,
    "test_oci_export.py": 35,
    "test_vendor_exports.py": 35,
    "test_export_variants.py": 30,
    "test_opencost_adapter.py": 25,
    "test_receivables_evaluated.py": 25,
    "test_dbt_unit_tests.py": 20,
}
DEFAULT_FILE_SECONDS = 10


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (FILE_SECONDS); a file's own tests keep their order."""
    items.sort(key=lambda item: -FILE_SECONDS.get(item.path.name, DEFAULT_FILE_SECONDS))


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
