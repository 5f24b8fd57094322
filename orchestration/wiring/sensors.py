"""Sensors: new landing files start the open period's billing run; a gated run flags its
period as ready to close."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
from dagster import (
    AssetObservation,
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.ingest.assets import LANDING_FILES
from orchestration.wiring.jobs import monthly_billing_job
from orchestration.wiring.partitions import billing_periods
from orchestration.wiring.periods import period_bounds
from orchestration.wiring.settings import Settings

PERIOD_CLOSE_KEY = ["ledger", "period_close"]


def landing_fingerprint(landing_dir: Path) -> tuple[str, int]:
    """A digest of every landing file's path, size and modification time, and the file count.

    Reading stat() only keeps a tick cheap; the ingest itself fingerprints contents and skips
    files it has already loaded, so a touched but unchanged file costs one quick no-op run.
    """
    digest = hashlib.sha256()
    files = sorted(path for path in landing_dir.rglob("*") if path.is_file()) if landing_dir.is_dir() else []
    for path in files:
        stat = path.stat()
        digest.update(
            f"{path.relative_to(landing_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest(), len(files)


def closed_periods(duckdb_path: Path) -> set[str] | None:
    """Closed periods of the ledger; empty without a warehouse, None while a run holds it."""
    if not duckdb_path.exists():
        return set()
    try:
        with duckdb.connect(str(duckdb_path), read_only=True) as con:
            exists = con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'ledger' and table_name = 'closes'"
            ).fetchone()
            if not exists or not exists[0]:
                return set()
            return {str(row[0]) for row in con.execute("select billing_period from ledger.closes").fetchall()}
    except duckdb.IOException:
        return None


def open_period(closed: set[str], last_period: str) -> str:
    """The period after the latest close (never beyond the last complete month), else that month."""
    if not closed:
        return last_period
    following = period_bounds(max(closed))[1].strftime("%Y-%m")
    return min(following, last_period)


@sensor(
    job=monthly_billing_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="New or changed files under landing/ start the monthly billing run of the open period.",
)
def new_landing_files(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    settings = Settings.from_env()
    fingerprint, file_count = landing_fingerprint(settings.landing_dir)
    if file_count == 0:
        return SkipReason(f"no files under {settings.landing_dir}")
    if fingerprint == context.cursor:
        return SkipReason("no new or changed landing files")
    closed = closed_periods(settings.duckdb_path)
    if closed is None:
        return SkipReason("the warehouse is busy (a run holds it); the files are picked up next tick")
    last_period = billing_periods.get_last_partition_key()
    if last_period is None:
        return SkipReason("no billing period has ended yet")
    period = open_period(closed, last_period)
    context.log.info(f"{file_count} landing files changed: billing {period}")
    return SensorResult(
        run_requests=[RunRequest(run_key=f"{period}:{fingerprint}", partition_key=period)],
        asset_events=[AssetObservation(LANDING_FILES.key, metadata={"file_count": file_count})],
        cursor=fingerprint,
    )


@sensor(
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
    description="A monthly billing run whose gates all passed marks its period ready to close.",
)
def period_ready_to_close(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    runs = context.instance.get_runs(
        filters=RunsFilter(job_name=monthly_billing_job.name, statuses=[DagsterRunStatus.SUCCESS]),
        limit=20,
    )
    seen = set((context.cursor or "").split(",")) - {""}
    settings = Settings.from_env()
    closed = closed_periods(settings.duckdb_path)
    if closed is None:
        return SkipReason("the warehouse is busy (a run holds it)")
    events = []
    for run in runs:
        period = run.tags.get("dagster/partition")
        if not period or run.run_id in seen or period in closed:
            continue
        seen.add(run.run_id)
        evaluations = [
            entry.get_dagster_event().asset_check_evaluation_data
            for entry in context.instance.all_logs(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            )
        ]
        gates = [check for check in evaluations if check.check_name.startswith("gx_")]
        if gates and all(check.passed for check in gates):
            context.log.info(f"{period} is ready to close (run {run.run_id})")
            events.append(
                AssetObservation(
                    PERIOD_CLOSE_KEY,
                    partition=period,
                    metadata={
                        "ready_to_close": True,
                        "gated_run_id": run.run_id,
                        "close_with": f"meterline close --period {period} --by NAME",
                    },
                )
            )
    if not events:
        return SkipReason("no newly gated open period")
    # The run ids already judged; bounded by the 20 runs read per tick.
    recent = [run.run_id for run in runs if run.run_id in seen]
    return SensorResult(asset_events=events, cursor=",".join(recent))
