"""The landing sensor starts the open period's billing run once per change of landing/."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration.wiring.partitions import billing_periods
from orchestration.wiring.sensors import new_landing_files, open_period
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
