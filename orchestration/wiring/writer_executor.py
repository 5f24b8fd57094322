"""Runs Dagster launches (UI, schedule, sensor) hold the same writer lock as `meterline` commands.

The command line takes the lock around its in-process run (cli.py); a run launched by Dagster
goes through the job's executor instead, so the executor takes it. Every step runs in the run's
one process (as the command line runs them), so the lock covers the whole run: a run launched
while another writes waits for it (one line in the run's log names the running one), and a
`meterline` command started during a Dagster run refuses, naming that run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dagster import Executor, InitExecutorContext, executor, in_process_executor

from orchestration.wiring.run_lock import writer_lock
from orchestration.wiring.settings import Settings

if TYPE_CHECKING:
    from dagster._core.events import DagsterEvent
    from dagster._core.execution.context.system import PlanOrchestrationContext
    from dagster._core.execution.plan.plan import ExecutionPlan
    from dagster._core.execution.retries import RetryMode
    from dagster._core.execution.step_dependency_config import StepDependencyConfig

# How long a Dagster-launched run waits for a running command before it fails (seconds).
DEFAULT_QUEUE_SECONDS = 3600


class WarehouseWriterExecutor(Executor):
    """The in-process executor, inside the warehouse's writer lock."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    @property
    def retries(self) -> RetryMode:
        return self._inner.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self._inner.step_dependency_config

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        run = plan_context.dagster_run
        period = run.tags.get("dagster/partition")
        command = "run" if run.job_name == "monthly_billing" else run.job_name.replace("period_", "")
        described = f"{command} --period {period}" if period else command
        with writer_lock(
            Settings.from_env().duckdb_path,
            described,
            wait_seconds=float(os.environ.get("MET_WRITER_QUEUE_SECONDS", DEFAULT_QUEUE_SECONDS)),
            say=plan_context.log.warning,
            run_by=f"Dagster run {run.run_id[:8]}",
        ):
            yield from self._inner.execute(plan_context, execution_plan)


@executor(name="warehouse_writer", config_schema=in_process_executor.config_schema.as_field())
def warehouse_writer_executor(init_context: InitExecutorContext) -> Executor:
    """Every step of a run in one process, holding the warehouse's writer lock throughout."""
    create_in_process = in_process_executor.executor_creation_fn
    assert create_in_process is not None  # the decorator always records it
    return WarehouseWriterExecutor(create_in_process(init_context))
