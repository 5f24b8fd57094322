"""The one way to run meterline's Dagster jobs in-process, shared by the CLI and the benchmark."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from orchestration.wiring.instance_config import ensure_instance_config
from orchestration.wiring.settings import PROJECT_DIR, Settings

if TYPE_CHECKING:
    from dagster import EventLogEntry, ExecuteInProcessResult


def prepare_environment(*, dbt_project: bool = True) -> Settings:
    """Persistent DAGSTER_HOME with its dagster.yaml (instance_config); absolute paths shared with dbt.

    dbt_project=False is for commands that run no Dagster job (approve, void, adjust, export,
    verify): they neither need dbt's manifest nor the 3 s of importing dagster-dbt."""
    settings = Settings.from_env()
    ensure_instance_config(Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DIR / ".dagster_home"))))
    os.environ["MET_DUCKDB_PATH"] = str(settings.duckdb_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    if dbt_project:
        from orchestration.wiring.dbt_project import prepare_dbt_project

        prepare_dbt_project()
    return settings


class ProgressLog(io.TextIOBase):
    """The run's log file, echoing dbt's progress to the terminal as nodes finish.

    dbt prints `N of TOTAL <STATUS> ...` per node; every 50th finished node, the last one and
    every error, failure or warning are echoed, so a long build shows it is moving.
    """

    NODE_DONE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|ERROR|FAIL|WARN|SKIP)\b")
    EVERY = 50

    def __init__(self, log: TextIO, terminal: TextIO) -> None:
        super().__init__()
        self._log, self._terminal, self._pending = log, terminal, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._log.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            done = self.NODE_DONE.search(line)
            if done and (
                int(done[1]) % self.EVERY == 0 or done[1] == done[2] or done[3] in ("ERROR", "FAIL", "WARN")
            ):
                print(f"  dbt {line.strip()}", file=self._terminal, flush=True)
        return len(text)

    def flush(self) -> None:
        self._log.flush()


def execute_monthly_billing(
    settings: Settings, period: str
) -> tuple[ExecuteInProcessResult, Sequence[EventLogEntry], Path]:
    """Run the monthly billing job in-process on the persistent instance.

    Returns the run result, the run's event log entries (timestamped) and the log file that
    receives dbt's per-node output; the terminal only gets warnings.
    """
    from orchestration.definitions import defs
    from orchestration.wiring.event_log_storage import open_instance

    job = defs.resolve_job_def("monthly_billing")
    log_path = settings.duckdb_path.parent / "logs" / f"monthly_billing_{period}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    quiet_console = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with (
        open_instance() as instance,
        log_path.open("w") as log,
        redirect_stdout(cast(TextIO, ProgressLog(log, sys.stderr))),
    ):
        result = job.execute_in_process(
            partition_key=period, instance=instance, raise_on_error=False, run_config=quiet_console
        )
        entries = instance.all_logs(result.run_id)
    return result, entries, log_path


def execute_close(
    settings: Settings, period: str, closed_by: str
) -> tuple[ExecuteInProcessResult, dict[str, str]]:
    """Run the `period_close` job (close + exports) in-process; returns its result and failures."""
    from orchestration.definitions import defs
    from orchestration.wiring.event_log_storage import open_instance

    job = defs.resolve_job_def("period_close")
    run_config = {
        # A refused close is reported below, not as a Dagster stack trace on the terminal.
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        "ops": {"ledger__period_close": {"config": {"closed_by": closed_by}}},
    }
    # dbt's node-by-node output (the exception marts rebuilt for waivers) goes to the log file.
    log_path = settings.duckdb_path.parent / "logs" / f"period_close_{period}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open_instance() as instance, log_path.open("w") as log, redirect_stdout(log):
        result = job.execute_in_process(
            partition_key=period, instance=instance, raise_on_error=False, run_config=run_config
        )
    return result, step_failures(result)


def execute_dunning(
    settings: Settings, as_of: str, evaluated_by: str
) -> tuple[ExecuteInProcessResult, dict[str, str]]:
    """Run the `daily_dunning` job in-process for one as-of date; returns its result and failures."""
    from orchestration.definitions import defs
    from orchestration.wiring.event_log_storage import open_instance
    from orchestration.wiring.jobs import dunning_run_config

    job = defs.resolve_job_def("daily_dunning")
    run_config = {
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        **dunning_run_config(as_of, evaluated_by),
    }
    # dbt's node-by-node output goes to the log file, as in the billing run.
    log_path = settings.duckdb_path.parent / "logs" / f"daily_dunning_{as_of}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open_instance() as instance, log_path.open("w") as log, redirect_stdout(log):
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    return result, step_failures(result)


def step_failures(result: ExecuteInProcessResult) -> dict[str, str]:
    """The error message of every failed step, without Dagster's exception class prefix."""
    failures = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_key:
            error = event.step_failure_data.error
            message = error.message.strip() if error else "the step failed"
            failures[event.step_key] = message.removeprefix("dagster._core.definitions.events.Failure: ")
    return failures
