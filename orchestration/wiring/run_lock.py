"""One writer at a time: commands that write the warehouse hold `<warehouse>.lock`.

An advisory `flock` on a file beside the warehouse, released by the kernel when the process
ends (even on kill -9), so a stale lock never needs cleaning. The file says who holds it, so a
second command refuses at once with one line naming the running one instead of failing later
on DuckDB's own file lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

POLL_SECONDS = 1.0


class WarehouseBusyError(RuntimeError):
    """Another meterline command is writing the warehouse."""


def lock_path(duckdb_path: Path) -> Path:
    return duckdb_path.with_name(duckdb_path.name + ".lock")


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read().strip() or "another meterline command"


@contextmanager
def writer_lock(
    duckdb_path: Path,
    command: str,
    *,
    wait_seconds: float = 0,
    say: Callable[[str], None] = print,
    run_by: str = "",
) -> Iterator[None]:
    """Hold the warehouse's writer lock for `command`, or raise naming the command holding it.

    With `wait_seconds`, wait that long for the holder to finish first (saying once whom it
    waits for): runs Dagster launches queue behind a running command instead of failing.
    `run_by` names what started the command when it is not the command line (a Dagster run).
    """
    path = lock_path(duckdb_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with path.open("a+") as handle:
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"the warehouse is in use by {_holder(handle)}; try again when it ends"
                    ) from None
                if not waited:
                    say(f"waiting up to {wait_seconds:.0f} s: the warehouse is in use by {_holder(handle)}")
                    waited = True
                time.sleep(POLL_SECONDS)
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.seek(0)
        handle.truncate()
        origin = f"{run_by}, " if run_by else ""
        handle.write(f"`meterline {command}` ({origin}pid {os.getpid()}, started {started})\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
