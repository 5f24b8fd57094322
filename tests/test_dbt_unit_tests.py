"""The dbt unit tests: each model's logic on fixed inputs, run once per suite.

Billing runs build and data-test the month without them (orchestration/wiring/dbt_assets.py);
here they run with a real `dbt test` on a copy of the demo month's warehouse, whose relations
give dbt the input columns' types.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.dbt_support import dbt
from tests.e2e_support import PERIOD, DemoMonth


def test_every_dbt_unit_test_passes(demo_month: DemoMonth, tmp_path: Path) -> None:
    deployment = demo_month.copy_to(tmp_path / "deployment")
    work = tmp_path / "dbt"
    done = dbt(
        deployment.duckdb_path, work, "test", "--select", "test_type:unit", period=PERIOD, artifacts=True
    )
    assert done.returncode == 0, done.stdout[-6000:]

    manifest = json.loads((work / "target" / "manifest.json").read_text())
    declared = {unique_id for unique_id in manifest["unit_tests"]}
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    assert len(declared) >= 28
    assert {result["unique_id"]: result["status"] for result in results} == dict.fromkeys(declared, "pass")
