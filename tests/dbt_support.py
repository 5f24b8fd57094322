"""The project's dbt, run by a test on its own warehouse, as the billing run runs it.

The warehouse file is named `meterline.duckdb` (the profile's database, see
orchestration/wiring/dbt_warehouse.py); the period and the as-of date travel as environment
variables; each invocation starts from the project's parsed state, so it parses only what
changed (a copy of `target/partial_parse.msgpack`, as Dagster's dbt resource does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

from tests.cli_launcher import run_dbt

PROJECT_DIR = Path(__file__).resolve().parent.parent
WAREHOUSE_NAME = "meterline.duckdb"


def dbt(
    warehouse: Path,
    work: Path,
    *command: str,
    period: str = "2026-10",
    as_of: date | None = None,
    artifacts: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run dbt `command` on `warehouse` for `period`, with its target and log folders under `work`.
    Like the billing run, dbt writes no JSON artifacts (manifest.json, run_results.json) unless
    `artifacts` asks for them."""
    target = work / "target"
    parsed = PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.exists() and not (target / parsed.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(parsed, target / parsed.name)
    env = {
        **os.environ,
        "MET_DUCKDB_PATH": str(warehouse),
        "MET_BILLING_PERIOD": period,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # As in the billing run (orchestration/wiring/dbt_project.py): no debug file log.
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "none"),
    }
    env.pop("MET_AS_OF_DATE", None)
    if as_of is not None:
        env["MET_AS_OF_DATE"] = as_of.isoformat()
    common = [
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    if not artifacts:
        common.append("--no-write-json")
    return run_dbt([*command, *common], env=env, cwd=PROJECT_DIR)
