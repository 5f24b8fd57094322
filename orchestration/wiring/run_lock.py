"""One writer at a time: commands that write the warehouse hold `<warehouse>.lock`.

An advisory `flock` on a file beside the warehouse, released by the kernel when the process
ends (even on kill -9), so a stale lock never needs cleaning. The file says who holds it, so a
second command refuses at once with one line naming the running one instead of failing later
on DuckDB's own file lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class WarehouseBusyError(RuntimeError):
    """Another meterline command is writing the warehouse."""


def lock_path(duckdb_path: Path) -> Path:
    return duckdb_path.with_name(duckdb_path.name + ".lock")


@contextmanager
def writer_lock(duckdb_path: Path, command: str) -> Iterator[None]:
    """Hold the warehouse's writer lock for `command`, or raise naming the command holding it."""
    path = lock_path(duckdb_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another meterline command"
            raise WarehouseBusyError(f"the warehouse is in use by {holder}; try again when it ends") from None
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.seek(0)
        handle.truncate()
        handle.write(f"`meterline {command}` (pid {os.getpid()}, started {started})\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
