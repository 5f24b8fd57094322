"""`python -m orchestration.cli ARGS` and `dbt ARGS` in a process of their own that starts with its
libraries imported.

The end-to-end tests run the real command line and dbt again and again, and a new
interpreter spends its first 2 to 4 seconds importing Dagster, dagster-dbt and dbt before any
work. Here a test process starts one server (Python's multiprocessing `forkserver`) that imports
those libraries once; each command is a fork of that server, so a command is still a process
of its own, with the environment, folder and arguments the test gives it, and exits with its
own code. Nothing of meterline is imported by the server: each command imports it from the
PYTHONPATH its environment names (a test may run an edited copy of the project).

Only third-party libraries whose import reads no environment are preloaded; what differs from
a new interpreter is named in `_command`.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from multiprocessing.context import ForkServerContext
from pathlib import Path

# Imported by the server before it forks the first command; each only reads its environment
# when called (dbt its flags per invocation, Dagster DAGSTER_HOME when an instance opens).
PRELOADED = ("duckdb", "pyarrow", "numpy", "dagster", "dagster_dbt", "dbt.cli.main")

_context: ForkServerContext | None = None


def _server() -> ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(list(PRELOADED))
    return _context


def _command(
    module: str, first_path: str | None, args: list[str], env: dict[str, str], cwd: str, out: tuple[str, str]
) -> None:
    """The forked command: what `python -m MODULE ARGS` (first_path: the working folder) or the
    module's console script (first_path: None) would do in a new interpreter."""
    os.environ.clear()
    os.environ.update(env)
    time.tzset()  # a TZ in the test's environment applies as at a new interpreter's start
    os.chdir(cwd)
    # PYTHONPATH before the server's path, after the working folder where `python -m` puts it.
    paths = [path for path in env.get("PYTHONPATH", "").split(os.pathsep) if path]
    sys.path[:0] = [first_path, *paths] if first_path else paths
    for fd, name in zip((1, 2), out, strict=True):
        target = os.open(name, os.O_WRONLY)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = [module, *args]
    code: int | str | None = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        code = done.code
    except BaseException:
        # as an interpreter reports an uncaught exception: its traceback, exit code 1
        sys.excepthook(*sys.exc_info())
        code = 1
    finally:
        # A forked process of multiprocessing skips these; an interpreter runs them at exit.
        atexit._run_exitfuncs()
    sys.exit(code)


def _run(
    module: str,
    first_path: str | None,
    command: list[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="meterline-command-") as folder:
        stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
        stdout.touch()
        stderr.touch()
        process = _server().Process(
            target=_command,
            args=(module, first_path, command[1:], dict(env), str(cwd), (str(stdout), str(stderr))),
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(command, timeout, stdout.read_text(), stderr.read_text())
        return subprocess.CompletedProcess(command, process.exitcode, stdout.read_text(), stderr.read_text())


def run_cli(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`python -m orchestration.cli ARGS` to its end: its exit code, stdout and stderr, as
    subprocess.run gives them."""
    return _run("orchestration.cli", str(cwd), ["meterline", *args], env=env, cwd=cwd, timeout=timeout)


def run_dbt(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """The `dbt` program (dbt.cli.main, as its console script runs it) to its end."""
    return _run("dbt.cli.main", None, ["dbt", *args], env=env, cwd=cwd, timeout=timeout or 3600)
