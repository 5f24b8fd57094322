"""Helpers for end-to-end tests: run the real `meterline` CLI on isolated folders."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.cli_launcher import run_cli

PERIOD = "2026-10"


@dataclass(frozen=True)
class Deployment:
    """One isolated meterline deployment: its own landing, warehouse, exports and Dagster home."""

    root: Path
    project_dir: Path

    @property
    def duckdb_path(self) -> Path:
        return self.root / "warehouse" / "meterline.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def published_dir(self) -> Path:
        return self.root / "published"

    @property
    def truth_dir(self) -> Path:
        return self.root / "truth" / PERIOD

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MET_LANDING_DIR": str(self.root / "landing"),
            "MET_DUCKDB_PATH": str(self.duckdb_path),
            "MET_EXPORTS_DIR": str(self.exports_dir),
            "MET_PUBLISHED_DIR": str(self.published_dir),
            "DAGSTER_HOME": str(self.root / "dagster_home"),
            "PYTHONPATH": str(self.project_dir),
        }

    def meterline(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m orchestration.cli ARGS`, in a process of its own (tests/cli_launcher.py)."""
        return run_cli(args, env=self.env(), cwd=self.project_dir, timeout=900)

    def generate(self, seed: int = 7) -> None:
        done = self.meterline(
            "demo", "generate", "--period", PERIOD, "--seed", str(seed), "--out", str(self.root)
        )
        assert done.returncode == 0, done.stderr

    def run(self) -> subprocess.CompletedProcess[str]:
        return self.meterline("run", "--period", PERIOD)


# What a copy of the project leaves out: generated folders at its top level only (a package
# may share a name with one, e.g. orchestration/exports), and caches anywhere.
GENERATED_AT_TOP = {
    ".git", ".venv", ".tools", "target", "logs", "landing", "warehouse", "exports", "truth",
    ".dagster_home", "bench", ".mypy_cache", "published",
}  # fmt: skip
CACHES = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def copy_project(project_dir: Path, target: Path) -> Path:
    """A copy of the project a test may edit (a model, a seed) and run the real CLI from."""

    def left_out(folder: str, names: list[str]) -> set[str]:
        top = Path(folder).resolve() == project_dir.resolve()
        return {name for name in names if name in CACHES or (top and name in GENERATED_AT_TOP)}

    shutil.copytree(project_dir, target, ignore=left_out)
    return target


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# The demo month's finance sign-off, as `make run` does it (docs/finance.md).
DEMO_WAIVER = (
    "--waive-reason-code",
    "unattributed_usage",
    "--why",
    "demo: unassigned machines are not billed",
)


# Billed (the closed invoices' frozen lines) plus adjustment notes, per draft line, against the
# re-rated period: a row is a line whose net the notes do not account for.
UNACCOUNTED_LINES_SQL = """
    with billed as (
        select l.draft_invoice_line_id, sum(l.net_amount_minor) as net from ledger.invoice_lines as l
        inner join ledger.invoices as i using (invoice_number)
        where (i.billing_period = $period and i.original_invoice_number is null)
            or l.invoice_line_id in (select note_invoice_line_id from ledger.adjustments)
        group by 1
    )
    select * from marts.fct_invoice_lines as m full outer join billed as b
        on m.invoice_line_id = b.draft_invoice_line_id
    where m.billing_period = $period and coalesce(m.net_amount_minor, 0) <> coalesce(b.net, 0)
"""


def lines_not_matching_billed_plus_adjustments(deployment: Deployment) -> list[tuple[object, ...]]:
    """Re-rated lines of PERIOD whose net differs from what was billed plus its adjustment notes."""
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return con.execute(UNACCOUNTED_LINES_SQL, {"period": PERIOD}).fetchall()


def close_demo_month(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    """Close the period with the demo's waiver, then approve the invoices held only as first ones."""
    closed = deployment.meterline("close", "--period", PERIOD, "--by", "Demo Controller", *DEMO_WAIVER)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    approved = deployment.meterline(
        "approve", "--period", PERIOD, "--rule", "first_invoice", "--by", "Demo Approver"
    )
    assert approved.returncode == 0, approved.stdout + approved.stderr
    return approved


@dataclass(frozen=True)
class DemoMonth:
    """The demo month as `make run` leaves it, with what each step printed."""

    deployment: Deployment
    run: subprocess.CompletedProcess[str]
    refused_close: subprocess.CompletedProcess[str]
    approved: subprocess.CompletedProcess[str]

    def copy_to(self, root: Path) -> Deployment:
        """A private copy (landing, warehouse, exports, Dagster home) a test may change freely."""
        shutil.copytree(self.deployment.root, root, dirs_exist_ok=True)
        return Deployment(root, self.deployment.project_dir)


def build_demo_month(root: Path, project_dir: Path) -> DemoMonth:
    """Generate and bill the demo month, try to close it without a waiver (refused), then close it."""
    deployment = Deployment(root, project_dir)
    deployment.generate()
    run = deployment.run()
    assert run.returncode == 0, run.stdout + run.stderr
    refused = deployment.meterline("close", "--period", PERIOD, "--by", "Controller")
    return DemoMonth(deployment, run, refused, close_demo_month(deployment))


STEPS = ("run", "refused_close", "approved")


def shared_demo_month(shared: Path, project_dir: Path) -> DemoMonth:
    """The demo month built once for every test process of a session: the first to ask builds it
    under `shared`, the others wait on the lock and reuse it (tests work on their own copies)."""
    shared.mkdir(parents=True, exist_ok=True)
    root, record = shared / "demo-month", shared / "demo-month.json"
    with (shared / "demo-month.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed in another process
            month = build_demo_month(root, project_dir)
            outputs = {
                step: [done.returncode, done.stdout, done.stderr]
                for step, done in ((step, getattr(month, step)) for step in STEPS)
            }
            record.write_text(json.dumps(outputs))
            return month
    outputs = json.loads(record.read_text())
    steps = {step: subprocess.CompletedProcess(step, *outputs[step]) for step in STEPS}
    return DemoMonth(Deployment(root, project_dir), **steps)
