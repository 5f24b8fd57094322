"""The landing sensor starts the open period's billing run once per change of landing/; both
sensors skip a tick, never fail it, while a run holds the warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration.wiring.partitions import billing_periods
from orchestration.wiring.sensors import new_landing_files, open_period, period_ready_to_close
from orchestration.wiring.warehouse_setup import ensure_ledger


def test_open_period_follows_the_latest_close_within_the_ended_months() -> None:
    assert open_period(set(), "2026-11") == "2026-11"
    assert open_period({"2026-09", "2026-10"}, "2026-11") == "2026-11"
    assert open_period({"2026-12"}, "2027-01") == "2027-01"
    # Nothing is billed ahead of the last month that has ended.
    assert open_period({"2026-11"}, "2026-11") == "2026-11"


def test_new_landing_files_request_one_run_per_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("MET_LANDING_DIR", str(landing))
    monkeypatch.setenv("MET_DUCKDB_PATH", str(warehouse))
    with DagsterInstance.ephemeral() as instance:
        empty = new_landing_files(build_sensor_context(instance=instance))
        assert isinstance(empty, SkipReason)

        (landing / "slurm").mkdir(parents=True)
        (landing / "slurm" / "sacct.txt").write_text("JobID|User\n1|alice\n")
        with duckdb.connect(str(warehouse)) as con:
            ensure_ledger(con)
        first = new_landing_files(build_sensor_context(instance=instance))
        assert not isinstance(first, SkipReason) and first.run_requests
        request = first.run_requests[0]
        assert isinstance(request, RunRequest)
        assert request.partition_key == billing_periods.get_last_partition_key()

        again = new_landing_files(build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(again, SkipReason)

        (landing / "slurm" / "sacct_2.txt").write_text("JobID|User\n2|bob\n")
        changed = new_landing_files(build_sensor_context(instance=instance, cursor=first.cursor))
        assert not isinstance(changed, SkipReason) and changed.cursor != first.cursor


# Holds the warehouse open for writing, as a run does, until its stop file appears.
WRITER = """
import duckdb, pathlib, sys, time
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
while not pathlib.Path(sys.argv[2]).exists():
    time.sleep(0.1)
"""


def test_both_sensors_skip_while_a_run_holds_the_warehouse_and_catch_up_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, warehouse, stop = tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "stop"
    monkeypatch.setenv("MET_LANDING_DIR", str(landing))
    monkeypatch.setenv("MET_DUCKDB_PATH", str(warehouse))
    (landing / "slurm").mkdir(parents=True)
    (landing / "slurm" / "sacct.txt").write_text("JobID|User\n1|alice\n")
    with duckdb.connect(str(warehouse)) as con:
        ensure_ledger(con)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(warehouse), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        with DagsterInstance.ephemeral() as instance:
            busy = new_landing_files(build_sensor_context(instance=instance))
            held = period_ready_to_close(build_sensor_context(instance=instance))
            # A skipped tick leaves the cursor alone, so the files are seen again next tick.
            assert isinstance(busy, SkipReason) and "busy" in (busy.skip_message or "")
            assert isinstance(held, SkipReason) and "busy" in (held.skip_message or "")
            stop.touch()
            writer.wait(timeout=30)
            after = new_landing_files(build_sensor_context(instance=instance))
            assert not isinstance(after, SkipReason) and after.run_requests
    finally:
        stop.touch()
        writer.wait(timeout=30)
