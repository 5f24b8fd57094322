"""The Dagster instance's event log: the pooled SQLite storage keeps Dagster's files and meaning.

meterline's commands open the instance of DAGSTER_HOME with `open_instance()`; real asset jobs
run in it, then Dagster's own storage reads the same files back, as the UI and `dagster`
commands do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    EventLogEntry,
    asset,
    asset_check,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.wiring.event_log_storage import PooledSqliteEventLogStorage, open_instance
from orchestration.wiring.instance_config import INSTANCE_CONFIG, ensure_instance_config


@asset
def readings() -> int:
    return 3


@asset_check(asset=readings)
def readings_are_positive() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


DEFINITIONS = Definitions(assets=[readings], asset_checks=[readings_are_positive])
JOB = DEFINITIONS.resolve_implicit_global_asset_job_def()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_instance_config(home)
    yield home


def _materialising_runs(instance: DagsterInstance) -> list[str]:
    return [
        record.run_id for record in instance.fetch_materializations(AssetKey("readings"), limit=100).records
    ]


def test_the_instance_uses_the_pooled_storage_in_dagsters_own_files(home: Path) -> None:
    with open_instance() as instance:
        assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
        result = JOB.execute_in_process(instance=instance)
        assert result.success
        run_id = result.run_id
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
    # Dagster's own instance of the same folder (dagster.yaml as Dagster reads it, no
    # DAGSTER_HOME needed) reads what the pooled storage wrote.
    with DagsterInstance.from_config(str(home)) as dagsters:
        assert type(dagsters.event_log_storage) is SqliteEventLogStorage
        stored = [event.dagster_event_type for event in dagsters.all_logs(run_id) if event.is_dagster_event]
        assert DagsterEventType.RUN_SUCCESS in stored
        assert stored.count(DagsterEventType.ASSET_MATERIALIZATION) == 1
        assert stored.count(DagsterEventType.ASSET_CHECK_EVALUATION) == 1
        assert _materialising_runs(dagsters) == [run_id]


def test_a_storage_configured_in_dagster_yaml_is_kept(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (home / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {elsewhere}\n")
    with open_instance() as instance:
        assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
        run_id = JOB.execute_in_process(instance=instance).run_id
    assert (elsewhere / "history" / "runs" / f"{run_id}.db").exists()
    assert not (home / "history").exists()


def test_runs_in_other_processes_share_the_files_with_an_open_instance(home: Path) -> None:
    """An instance holding its connections open sees runs that other processes (Dagster's own
    storage, as in the UI or `dagster job execute`) store meanwhile, and its own next run is
    stored beside theirs."""
    script = (
        "from dagster import DagsterInstance\n"
        "from tests.test_event_log_storage import JOB\n"
        "with DagsterInstance.get() as instance:\n"
        "    assert JOB.execute_in_process(instance=instance).success\n"
    )
    project = Path(__file__).resolve().parent.parent
    with open_instance() as instance:
        assert JOB.execute_in_process(instance=instance).success
        for _ in range(2):
            subprocess.run([sys.executable, "-c", script], check=True, cwd=project, env=os.environ.copy())
        assert len(_materialising_runs(instance)) == 3
        assert JOB.execute_in_process(instance=instance).success
        assert len(_materialising_runs(instance)) == 4
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [readings_are_positive.check_key]
        )
        assert check[readings_are_positive.check_key].status.value == "SUCCEEDED"


def test_wipe_closes_the_pool_before_deleting_the_run_files(home: Path) -> None:
    with open_instance() as instance:
        first = JOB.execute_in_process(instance=instance).run_id
        instance.event_log_storage.wipe()
        assert not (home / "history" / "runs" / f"{first}.db").exists()
        # A connection kept open on the deleted file would still read the wiped run's events.
        assert instance.all_logs(first) == []
        second = JOB.execute_in_process(instance=instance).run_id
        assert _materialising_runs(instance) == [second]


def test_a_watcher_of_a_live_run_sees_events_written_by_another_process(home: Path) -> None:
    """The UI (Dagster's own storage) follows a run by watching its database file; events stored
    by the process running it (kept connections) must change that file as they are stored, not
    when the run ends."""
    seen: list[str] = []
    with DagsterInstance.get() as watcher, open_instance() as runner:
        run = runner.create_run_for_job(JOB)
        runner.report_engine_event("first", run)

        def follow(event: EventLogEntry, cursor: str) -> None:
            seen.append(event.dagster_event.message if event.dagster_event else event.user_message)

        watcher.watch_event_logs(run.run_id, None, follow)
        for message in ("second", "third"):
            runner.report_engine_event(message, run)
        deadline = time.monotonic() + 20
        while "third" not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
        watcher.end_watch_event_logs(run.run_id, follow)
    assert "second" in seen and "third" in seen


def test_the_config_is_written_once_and_one_written_by_hand_is_kept(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    ensure_instance_config(fresh)
    assert (fresh / "dagster.yaml").read_text() == INSTANCE_CONFIG
    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text("telemetry:\n  enabled: true\nretention: {}\n")
    ensure_instance_config(own)
    assert (own / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\nretention: {}\n"
