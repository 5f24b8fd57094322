"""dbt run in a fork of the job's process, its events turned into Dagster's as dagster-dbt does.

dagster-dbt starts every dbt command as a new program: a Python start-up and dbt's imports,
about two seconds before dbt reads its project, paid by every billing run, close and dunning
evaluation. Jobs here run in the command's own process (the in-process executor,
orchestration/wiring/writer_executor.py), which has imported dbt already, so the command
runs in a fork of it through dbt's programmatic entry point (`dbtRunner`) instead.

A fork rather than a thread: dbt and the step's storing of Dagster events then use a core
each, as they did with dbt as a program (in one process they share one interpreter lock, and
the demo month's build took 2 s longer); dbt's globals (flags, adapter, loggers) and its
DuckDB handle die with the fork; and a failed build cannot leave the step's process holding
the warehouse file.

What stays as dagster-dbt does it: the selection for the assets a run selected, a target
folder of its own per command seeded with the parsed project (`partial_parse.msgpack`), and
the conversion of each node's result into a materialization or a check result. dbt's console
output goes to stdout, which the runner sends to the run's log file.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import AssetExecutionContext, Failure, OpExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dbt_common.events.base_types import EventMsg
from dbt_common.events.functions import msg_to_dict

from orchestration.wiring.dbt_warehouse import current_run_parameters

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunner

# The events dagster-dbt turns into Dagster events: one per node with its outcome.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
PARTIAL_PARSE = "partial_parse.msgpack"
# How long an interrupted dbt gets to cancel its queries before it is killed.
STOP_SECONDS = 30


def _run_dbt(
    runner: type[dbtRunner], args: list[str], parameters: Mapping[str, str | None], channel: Connection
) -> None:
    """The forked child: run dbt, send ("result", event) per node, ("error", text) per error
    dbt reports and ("finished", success, exception text) last."""
    # Ctrl-C as dbt expects it (it cancels its queries), not the handler the job's process has.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name, value in parameters.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    sending = threading.Lock()  # dbt's node threads report at once; a pipe takes one message at a time

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            channel.send(message)

    def on_event(msg: EventMsg) -> None:
        # Called on dbt's threads for every event, debug ones included: only the node results
        # are converted (protobuf to dict costs) and sent.
        if msg.info.level == "error":
            # (`msg` is a field of every event's info, missing from dbt's typing Protocol.)
            send(("error", getattr(msg.info, "msg", "")))
        if msg.info.name in RESULT_EVENTS:
            send(("result", msg_to_dict(msg)))

    try:
        result = runner(callbacks=[on_event]).invoke(args)
        error = result.exception
        failure = None if error is None else f"{type(error).__name__}: {error}"
        send(("finished", result.success, failure))
    except BaseException as error:  # the parent reports it; the child only ends
        send(("finished", False, f"{type(error).__name__}: {error}"))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        channel.close()


class ForkedDbtInvocation:
    """One dbt command, started by `stream()`, `stream_raw_events()` or `wait()`."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        project_dir: Path,
        profiles_dir: Path,
        target_dir: Path,
        manifest: Mapping[str, Any],
        translator: DagsterDbtTranslator,
        context: OpExecutionContext | AssetExecutionContext | None,
        project: DbtProject | None,
        raise_on_error: bool,
    ) -> None:
        self.args = list(args)
        self.project_dir, self.profiles_dir, self.target_dir = project_dir, profiles_dir, target_dir
        self.manifest, self.translator, self.context, self.project = manifest, translator, context, project
        self.raise_on_error = raise_on_error
        # As a program would inherit them when started: dbt runs when its events are read,
        # which may be after the caller's `dbt_run_parameters` block has ended.
        self.run_parameters = current_run_parameters()
        self.success: bool | None = None
        self.failure: str | None = None
        self.error_messages: list[str] = []

    @property
    def command(self) -> str:
        return "dbt " + " ".join(self.args)

    def stream_raw_events(self) -> Iterator[DbtCoreCliEventMessage]:
        """Each node's result as dbt reports it, while dbt runs; raises a Failure afterwards
        when dbt failed and raise_on_error was asked for."""
        # Imported before the fork, once per process (about 0.7 s beyond what dagster-dbt imports),
        # and only by a process that runs dbt.
        from dbt.cli.main import dbtRunner

        self._seed_partial_parse()
        # Buffered output written before the fork would be written again by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        fork = multiprocessing.get_context("fork")
        receiving, sending = fork.Pipe(duplex=False)
        child = fork.Process(
            target=_run_dbt, args=(dbtRunner, self._full_args(), self.run_parameters, sending), name="dbt"
        )
        # The child's garbage collector would otherwise walk (and so copy) every object of this
        # process, page by page; frozen, they stay shared with it (Python's advice for fork).
        gc.freeze()
        try:
            child.start()
        finally:
            gc.unfreeze()
        sending.close()
        try:
            while True:
                try:
                    message = receiving.recv()
                except EOFError:
                    break
                if message[0] == "result":
                    yield DbtCoreCliEventMessage(raw_event=message[1], event_history_metadata={})
                elif message[0] == "error":
                    self.error_messages.append(message[1])
                else:
                    _, self.success, self.failure = message
            child.join()
        finally:
            receiving.close()
            _stop(child)
            self._drop_partial_parse()
        if self.success is None:
            self.success, self.failure = False, f"dbt ended without a result (exit code {child.exitcode})"
        if self.raise_on_error and not self.is_successful():
            raise Failure(description=str(self.get_error()))

    def stream(self) -> Iterator[Any]:
        """Dagster's events for each node (an Output or materialization per model and seed, a
        check result per test), as `DbtCliInvocation.stream()` gives them."""
        for event in self.stream_raw_events():
            yield from event.to_default_asset_events(
                manifest=self.manifest,
                dagster_dbt_translator=self.translator,
                context=self.context,
                target_path=self.target_dir,
                project=self.project,
            )

    def wait(self) -> ForkedDbtInvocation:
        for _ in self.stream_raw_events():
            pass
        return self

    def is_successful(self) -> bool:
        return bool(self.success) and self.failure is None

    def get_error(self) -> Exception | None:
        if self.is_successful():
            return None
        reported = "".join(f"\n{message}" for message in self.error_messages)
        cause = f" ({self.failure})" if self.failure else ""
        return Exception(f"`{self.command}` failed{cause}.{reported}")

    def _full_args(self) -> list[str]:
        return [
            *self.args,
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir),
            "--target-path",
            str(self.target_dir),
            "--log-path",
            str(self.target_dir),
        ]

    def _drop_partial_parse(self) -> None:
        """The copy is 3.5 MB per command, and every command has a folder of its own: what
        stays is what dbt wrote (the compiled SQL, to read after a failure)."""
        if self.target_dir != self.project_dir / "target":
            (self.target_dir / PARTIAL_PARSE).unlink(missing_ok=True)

    def _seed_partial_parse(self) -> None:
        """dbt reads the parsed project from its target folder: without it, it parses all of
        it again (about seven seconds)."""
        parsed = self.project_dir / "target" / PARTIAL_PARSE
        self.target_dir.mkdir(parents=True, exist_ok=True)
        if parsed.exists() and parsed != self.target_dir / PARTIAL_PARSE:
            shutil.copy(parsed, self.target_dir / PARTIAL_PARSE)


def _stop(child: multiprocessing.process.BaseProcess) -> None:
    """An interrupted step (the run terminated) stops dbt as Ctrl-C would: dbt cancels its
    queries and ends; killed if it does not."""
    if child.exitcode is not None or child.pid is None:
        return
    os.kill(child.pid, signal.SIGINT)
    child.join(STOP_SECONDS)
    if child.exitcode is None:
        child.kill()
        child.join()


def parse_project(project_dir: Path) -> None:
    """`dbt parse` into the project's own target folder: manifest.json, which the dbt assets are
    built from, and the parsed state every later command starts from."""
    ForkedDbtInvocation(
        ["parse", "--quiet"],
        project_dir=project_dir,
        profiles_dir=project_dir,
        target_dir=project_dir / "target",
        manifest={},
        translator=DagsterDbtTranslator(),
        context=None,
        project=None,
        raise_on_error=True,
    ).wait()


def invoke_forked(
    args: Sequence[str],
    *,
    project_dir: Path,
    profiles_dir: Path,
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator | None = None,
    context: OpExecutionContext | AssetExecutionContext | None = None,
    raise_on_error: bool = True,
) -> ForkedDbtInvocation:
    """A dbt command for this process, with dagster-dbt's selection for the context's assets."""
    translator = translator or DagsterDbtTranslator()
    cleaned, selects, excludes = extract_runtime_selection_from_args(args)
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest=manifest,
        dagster_dbt_translator=translator,
        runtime_selects=selects,
        runtime_excludes=excludes,
    )
    indirect = ["--indirect-selection", params.indirect_selection] if params.indirect_selection else []
    project = params.dbt_project
    run_dir = project_dir if project is None else Path(project.project_dir)
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-" if context else ""
    return ForkedDbtInvocation(
        [*cleaned, *params.selection_args, *indirect],
        project_dir=run_dir,
        profiles_dir=profiles_dir,
        target_dir=project_dir / "target" / f"{name}{uuid.uuid4().hex[:7]}",
        manifest=params.manifest,
        translator=params.dagster_dbt_translator,
        context=context,
        project=project,
        raise_on_error=raise_on_error,
    )
