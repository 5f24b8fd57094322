"""Source freshness: `dbt source freshness` on the demo warehouse reports a stale drop.

The demo month is loaded just now, so every declared source is fresh; moving one vendor's
load time back 40 days makes it warn (monthly drops warn after 35 days) and another's 70
days makes it an error (after 62), while the rest stay fresh. Runs offline on the real
DuckDB file with the real dbt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import DemoMonth, Deployment

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parent.parent
DECLARED = {
    "aws_cur.aws_cur_line_items",
    "azure.azure_cost_details",
    "colo.colo_invoice_lines",
    "focus.focus_charges",
    "gcp.gcp_billing_lines",
    "ingest.file_registry",
    "reference.assignments",
    "reference.customers",
    "reference.machines",
    "slurm.slurm_jobs",
}


def _freshness(deployment: Deployment, out: Path) -> tuple[int, dict[str, str]]:
    """Exit code of `dbt source freshness` and each source's status, from its sources.json."""
    done = subprocess.run(
        [
            *(str(Path(sys.executable).parent / "dbt"), "source", "freshness", "--profiles-dir", "."),
            *("--target-path", str(out), "--log-path", str(out / "logs")),
        ],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "MET_DUCKDB_PATH": str(deployment.duckdb_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    results = json.loads((out / "sources.json").read_text(encoding="utf-8"))["results"]
    return done.returncode, {r["unique_id"].removeprefix("source.meterline."): r["status"] for r in results}


def test_a_stale_drop_is_reported(
    demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("freshness"))
    code, statuses = _freshness(deployment, tmp_path / "fresh")
    assert code == 0
    assert statuses == dict.fromkeys(DECLARED, "pass")

    with duckdb.connect(str(deployment.duckdb_path)) as con:
        con.execute("update raw.focus_charges set _loaded_at = _loaded_at - interval 40 days")
        con.execute("update raw.colo_invoice_lines set _loaded_at = _loaded_at - interval 70 days")
    code, statuses = _freshness(deployment, tmp_path / "stale")
    assert code != 0
    assert statuses.pop("focus.focus_charges") == "warn"
    assert statuses.pop("colo.colo_invoice_lines") == "error"
    assert set(statuses.values()) == {"pass"}
