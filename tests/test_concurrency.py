"""Readers and writers at the same time, as real processes on copies of the demo month.

An analyst holding the published catalog open, or the warehouse itself, never fails a run; a
second run (from the command line or launched by Dagster) waits or refuses with one line naming
the running one; a `meterline export` killed between the steps of the export swap leaves a
complete set for readers, and the next export restores identical bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import duckdb
import pytest

from orchestration.exports.publish import CATALOG, rebuild_catalog
from orchestration.wiring.run_lock import lock_path
from tests.e2e_support import PERIOD, DemoMonth, Deployment, folder_digest

# The published marts that read the ledger, not only the period's drops.
LEDGER_FED = {
    "fct_receivables.parquet",
    "rpt_aged_receivables.parquet",
    "rpt_collections_kpis.parquet",
    "rpt_finance__document_kpis.parquet",
    "rpt_finance__corrections.parquet",
}
INVOICE_TOTALS = (
    "select customer_id, currency_code, gross_amount from marts.fct_invoices "
    f"where billing_period = '{PERIOD}' order by all"
)

# Holds a DuckDB file open read-only, querying it every 0.2 s, until the stop file appears;
# then prints how many queries ran and failed, and the last result.
READER = """
import duckdb, pathlib, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
queries, failures, last = 0, 0, None
while not pathlib.Path(sys.argv[2]).exists():
    if sys.argv[3]:
        try:
            last = con.execute(sys.argv[3]).fetchall()
            queries += 1
        except Exception as error:
            failures += 1
            print("failed:", error, flush=True)
    time.sleep(0.2)
shown = [tuple(map(str, row)) for row in last or []]
print(f"queries={queries} failures={failures} last={shown}", flush=True)
"""


class Reader:
    """A reader process holding `database` open read-only until `stop()`."""

    def __init__(self, database: Path, stop_file: Path, query: str = "") -> None:
        self.stop_file = stop_file
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(database), str(stop_file), query],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "open"

    def stop(self) -> str:
        self.stop_file.touch()
        output, _ = self.process.communicate(timeout=60)
        return output


def _start(deployment: Deployment, command: list[str], log: Path) -> tuple[subprocess.Popen[str], IO[str]]:
    handle = log.open("w")
    process = subprocess.Popen(
        command,
        cwd=deployment.project_dir,
        env=deployment.env(),
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, handle


def _meterline_run(deployment: Deployment, log: Path) -> tuple[subprocess.Popen[str], IO[str]]:
    return _start(deployment, [sys.executable, "-m", "orchestration.cli", "run", "--period", PERIOD], log)


def _dagster_run(deployment: Deployment, log: Path) -> tuple[subprocess.Popen[str], IO[str]]:
    """The monthly job launched through Dagster's own run path (the job's executor), as the
    UI, the schedule and the sensor launch it, not the command line's in-process run."""
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "job", "execute", "-m", "orchestration.definitions", "-j", "monthly_billing"]
    return _start(deployment, [*command, "--tags", json.dumps({"dagster/partition": PERIOD})], log)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _finished(process: subprocess.Popen[str], handle: IO[str], log: Path) -> tuple[int, str]:
    code = process.wait(timeout=1200)
    handle.close()
    return code, log.read_text()


def _lock_holder(deployment: Deployment) -> str:
    path = lock_path(deployment.duckdb_path)
    return path.read_text() if path.exists() else ""


@pytest.fixture
def deployment(demo_month: DemoMonth, tmp_path: Path) -> Deployment:
    # Links copied as links: exports/<period> and published/<period> stay what the swap made them.
    shutil.copytree(demo_month.deployment.root, tmp_path / "deployment", symlinks=True)
    copy = Deployment(tmp_path / "deployment", demo_month.deployment.project_dir)
    # The catalog names its Parquet files by absolute path: point the copy's at the copy.
    rebuild_catalog(copy.published_dir)
    return copy


def test_the_demo_run_publishes_every_mart_for_readers(demo_month: DemoMonth) -> None:
    deployment = demo_month.deployment
    assert "Published for readers" in demo_month.run.stdout
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as warehouse:
        marts = sorted(
            name
            for (name,) in warehouse.execute(
                "select distinct table_name from duckdb_columns() "
                "where schema_name = 'marts' and column_name = 'billing_period'"
            ).fetchall()
        )
        expected = warehouse.execute(INVOICE_TOTALS).fetchall()
    assert sorted(path.stem for path in (deployment.published_dir / PERIOD).glob("*.parquet")) == marts
    with duckdb.connect(str(deployment.published_dir / CATALOG), read_only=True) as catalog:
        assert catalog.execute(INVOICE_TOTALS).fetchall() == expected


def test_readers_of_the_published_copy_and_of_the_warehouse_never_fail_a_run(
    deployment: Deployment, tmp_path: Path
) -> None:
    published_before = folder_digest(deployment.published_dir / PERIOD)
    analyst = Reader(deployment.published_dir / CATALOG, tmp_path / "stop-analyst", INVOICE_TOTALS)
    # Someone who opened the writer's own file, read-only, as the docs used to suggest.
    holder = Reader(deployment.duckdb_path, tmp_path / "stop-holder")
    run, handle = _meterline_run(deployment, tmp_path / "run.log")
    log = tmp_path / "run.log"
    _wait_for(
        lambda: f"held open by pid {holder.process.pid}" in log.read_text(), "the run to meet the reader"
    )
    time.sleep(3)
    assert run.poll() is None, "the run waits while the warehouse is held"
    holder.stop()
    code, output = _finished(run, handle, log)
    analyst_output = analyst.stop()

    assert code == 0, output
    waiting = next(line for line in output.splitlines() if "held open by" in line)
    assert "readers: open published/meterline.duckdb" in waiting
    assert "is free again; going on" in output
    assert "Published for readers" in output
    # The analyst queried throughout the run without a single failure.
    summary = analyst_output.strip().splitlines()[-1]
    assert re.match(r"queries=[1-9]\d* failures=0 ", summary), analyst_output
    # A re-run of an unchanged month publishes identical bytes, except the marts that read the
    # ledger: closing the month issued its invoices after the first run, so the re-run's
    # receivables list them.
    published_after = folder_digest(deployment.published_dir / PERIOD)
    assert {name: published_after[name] for name in published_before if name not in LEDGER_FED} == {
        name: digest for name, digest in published_before.items() if name not in LEDGER_FED
    }
    assert set(published_after) == set(published_before)
    with duckdb.connect() as published:
        receivables = published.execute(
            "select count(*), count(distinct invoice_number) from read_parquet(?)",
            [str(deployment.published_dir / PERIOD / "fct_receivables.parquet")],
        ).fetchone()
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as ledger:
        # A document held for approval was never sent, so it is owed by no one yet.
        issued = ledger.execute(
            """
            select count(*) from ledger.invoices as documents
            where documents.billing_period = ? and documents.document_type = 'invoice'
                and (
                    documents.approval_reasons = ''
                    or exists (
                        select 1 from ledger.approvals
                        where approvals.invoice_number = documents.invoice_number
                    )
                )
            """,
            [PERIOD],
        ).fetchone()
    assert receivables is not None and issued is not None
    assert receivables == (issued[0], issued[0]) and issued[0] > 0
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as warehouse:
        expected = [tuple(map(str, row)) for row in warehouse.execute(INVOICE_TOTALS).fetchall()]
    assert summary.endswith(f"last={expected}")


def test_a_second_run_refuses_or_waits_naming_the_running_one(deployment: Deployment, tmp_path: Path) -> None:
    first, first_handle = _meterline_run(deployment, tmp_path / "first.log")
    _wait_for(
        lambda: f"`meterline run --period {PERIOD}` (pid {first.pid}," in _lock_holder(deployment), "the lock"
    )
    launched, launched_handle = _dagster_run(deployment, tmp_path / "dagster.log")
    second = deployment.run()
    first_code, first_output = _finished(first, first_handle, tmp_path / "first.log")
    # The Dagster-launched run waited for the command line's, then took the lock itself.
    _wait_for(
        lambda: "(Dagster run " in _lock_holder(deployment) or launched.poll() is not None, "Dagster's run"
    )
    third = deployment.run()
    launched_code, launched_output = _finished(launched, launched_handle, tmp_path / "dagster.log")

    assert first_code == 0, first_output
    assert second.returncode == 1
    assert second.stdout == ""
    assert re.fullmatch(
        rf"meterline run: the warehouse is in use by `meterline run --period {PERIOD}` "
        rf"\(pid {first.pid}, started \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); try again when it ends\n",
        second.stderr,
    )
    assert (
        f"waiting up to 3600 s: the warehouse is in use by `meterline run --period {PERIOD}` (pid {first.pid}"
        in (launched_output)
    )
    assert launched_code == 0, launched_output
    assert third.returncode == 1
    assert re.fullmatch(
        rf"meterline run: the warehouse is in use by `meterline run --period {PERIOD}` "
        rf"\(Dagster run [0-9a-f]{{8}}, pid \d+, started [0-9TZ:-]+\); try again when it ends\n",
        third.stderr,
    )
    assert "RUN_SUCCESS" in launched_output


# Kills `meterline export` (SIGKILL, from inside, at an exact point) between two steps of the swap.
KILLER = """
import os, shutil, signal, sys
from pathlib import Path
point = sys.argv[1]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "before_complete":
    rename = Path.rename
    Path.rename = lambda self, target: die() if self.name.endswith(".partial") else rename(self, target)
elif point == "before_flip":
    replace = os.replace
    os.replace = lambda src, dst: die() if Path(src).name.endswith(".link") else replace(src, dst)
else:
    shutil.rmtree = die
from orchestration.cli import main
sys.exit(main(["export", "--period", sys.argv[2]]))
"""


@pytest.mark.parametrize("point", ["before_complete", "before_flip", "before_cleanup"])
def test_an_export_killed_inside_the_swap_leaves_a_complete_set_and_a_rerun_restores_it(
    deployment: Deployment, point: str
) -> None:
    exported = deployment.exports_dir / PERIOD
    before = folder_digest(exported)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, PERIOD],
        cwd=deployment.project_dir,
        env=deployment.env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr
    # A reader of exports/<period>/ sees a complete set: the old one (identical to the new).
    assert folder_digest(exported) == before
    assert deployment.meterline("verify", "--period", PERIOD).returncode == 0
    leftovers = sorted(path.name for path in deployment.exports_dir.glob(f".{PERIOD}.*"))
    assert any(name.endswith((".partial", ".link")) for name in leftovers) or point == "before_cleanup"

    rerun = deployment.meterline("export", "--period", PERIOD)
    assert rerun.returncode == 0, rerun.stderr
    assert folder_digest(exported) == before
    assert not [
        path
        for path in deployment.exports_dir.glob(f".{PERIOD}.*")
        if path.name.endswith((".partial", ".link"))
    ]
    assert deployment.meterline("verify").returncode == 0
