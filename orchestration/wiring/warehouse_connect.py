"""Opening the warehouse file while another process holds it: wait, say so once, then stop.

DuckDB lets one process write a database file, and a process that holds it open read-only (an
analyst's notebook, a BI tool) keeps every other process from opening it for writing. A run
meeting such a reader waits for it to go, with one line naming the holder and pointing readers
at the published copy, instead of failing on DuckDB's lock error at once.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

# How long a command waits for another process to let go of the warehouse file (seconds).
DEFAULT_WAIT_SECONDS = 600
# What one DuckDB process of a run may hold in memory before it spills to `<warehouse>.tmp/`
# (DuckDB's default spill folder for a database file). A run has at most one such process at a
# time (the dbt build, then each export and gate in turn), next to Dagster's own process: the
# limit keeps a month of 50 million usage rows within 8 GiB in all, and a larger month spills
# instead of failing.
DEFAULT_MEMORY_LIMIT = "6GB"
POLL_SECONDS = 1.0
HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseHeldError(RuntimeError):
    """Another process kept the warehouse file open for longer than the wait allows."""


def wait_seconds() -> float:
    return float(os.environ.get("MET_WAREHOUSE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


def memory_limit() -> str:
    """DuckDB's memory limit for every connection to the warehouse (MET_DUCKDB_MEMORY_LIMIT)."""
    return os.environ.get("MET_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def _holder(error: duckdb.IOException) -> str | None:
    """Who holds the file, from DuckDB's lock error; None if the error is not a lock conflict."""
    message = str(error)
    if "Could not set lock on file" not in message:
        return None
    found = HOLDER.search(message)
    return f"pid {found['pid']} ({found['program']})" if found else "another process"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    wait: float | None = None,
    say: Callable[[str], None] = _say,
) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, waiting up to `wait` seconds (default MET_WAREHOUSE_WAIT_SECONDS)
    while another process holds the file; one line says who, and one line ends the wait."""
    budget = wait_seconds() if wait is None else wait
    deadline = time.monotonic() + budget
    waiting_for: str | None = None
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit()})
        except duckdb.IOException as error:
            holder = _holder(error)
            if holder is None:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseHeldError(
                    f"{path} is held open by {holder} for more than {budget:.0f} s; close it and run "
                    "again (readers: open published/meterline.duckdb, it never blocks a run)"
                ) from None
            if waiting_for is None:
                say(
                    f"meterline: {path} is held open by {holder}; waiting up to {budget:.0f} s for it "
                    "(readers: open published/meterline.duckdb, it never blocks a run)"
                )
            waiting_for = holder
            time.sleep(POLL_SECONDS)
            continue
        if waiting_for is not None:
            say(f"meterline: {path} is free again; going on")
        return con
