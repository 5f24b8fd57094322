"""A billing run loads and tests a policy seed only when it changed since the warehouse loaded it.

Built on the project's real manifest and a real DuckDB warehouse holding the seed tables as
dbt loads them (read from the CSVs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.wiring.dbt_project import meterline_dbt_project
from orchestration.wiring.seed_loads import (
    forget_seed_loads,
    plan_seed_loads,
    record_seed_loads,
    seed_fingerprints,
)
from orchestration.wiring.settings import PROJECT_DIR

CURRENCIES = "seed.meterline.currencies"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(json.loads(meterline_dbt_project.manifest_path.read_text()))


@pytest.fixture
def loaded(manifest: dict[str, Any], tmp_path: Path) -> Path:
    """A warehouse holding every seed table, read from its CSV."""
    path = tmp_path / "meterline.duckdb"
    with duckdb.connect(str(path)) as con:
        for node in manifest["nodes"].values():
            if node["resource_type"] == "seed":
                con.execute(f"create schema if not exists {node['schema']}")
                con.execute(
                    f"create table {node['schema']}.{node['alias']} as select * from read_csv(?)",
                    [str(PROJECT_DIR / node["original_file_path"])],
                )
    return path


def _results(manifest: dict[str, Any], failing: frozenset[str] = frozenset()) -> dict[str, str]:
    """dbt's status per node of a whole build in which every node passed except `failing`."""
    status = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "seed":
            status[uid] = "success"
        elif node["resource_type"] == "test":
            status[uid] = "fail" if uid in failing else "pass"
    return status


def test_a_fresh_warehouse_loads_and_tests_every_seed(manifest: dict[str, Any], tmp_path: Path) -> None:
    plan = plan_seed_loads(manifest, PROJECT_DIR, tmp_path / "meterline.duckdb")
    seeds = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    assert plan.unchanged == ()
    assert set(plan.loaded) == seeds
    assert plan.excluded_nodes() == []


def test_a_recorded_seed_is_left_out_with_only_the_tests_that_read_seeds_alone(
    manifest: dict[str, Any], loaded: Path
) -> None:
    first = plan_seed_loads(manifest, PROJECT_DIR, loaded)
    recorded = record_seed_loads(first, _results(manifest), loaded, "run-1")
    assert sorted(recorded) == sorted(first.loaded)

    again = plan_seed_loads(manifest, PROJECT_DIR, loaded)
    assert again.loaded == ()
    excluded = set(again.excluded_nodes())
    nodes = manifest["nodes"]
    by_name = {node["name"]: node for node in nodes.values() if node["resource_type"] in ("seed", "test")}
    assert "currencies" in excluded and "column_rules_currencies" in excluded
    for name in excluded:
        node = by_name[name]
        parents = node.get("depends_on", {}).get("nodes", [])
        assert node["resource_type"] == "seed" or all(nodes[p]["resource_type"] == "seed" for p in parents)
    # a test that also reads a model still runs every time
    kept = {
        node["name"]
        for node in nodes.values()
        if node["resource_type"] == "test" and CURRENCIES in node["depends_on"]["nodes"]
    } - excluded
    assert any(name.startswith("relationships_fct_invoice_lines_currency_code") for name in kept)


def test_a_seed_whose_test_failed_is_not_recorded_and_loads_again(
    manifest: dict[str, Any], loaded: Path
) -> None:
    plan = plan_seed_loads(manifest, PROJECT_DIR, loaded)
    failing = _unique_id(manifest, "column_rules_currencies")
    recorded = record_seed_loads(plan, _results(manifest, frozenset({failing})), loaded, "run-1")
    assert CURRENCIES not in recorded
    assert plan_seed_loads(manifest, PROJECT_DIR, loaded).loaded == (CURRENCIES,)


def test_a_changed_csv_or_an_edited_table_loads_the_seed_again(
    manifest: dict[str, Any], loaded: Path, tmp_path: Path
) -> None:
    record_seed_loads(plan_seed_loads(manifest, PROJECT_DIR, loaded), _results(manifest), loaded, "run-1")

    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "seeds", project / "seeds")
    csv = project / manifest["nodes"][CURRENCIES]["original_file_path"]
    csv.write_text(csv.read_text() + "XTS,2\n")
    assert (
        seed_fingerprints(manifest, project)[CURRENCIES]
        != seed_fingerprints(manifest, PROJECT_DIR)[CURRENCIES]
    )
    assert plan_seed_loads(manifest, project, loaded).loaded == (CURRENCIES,)

    with duckdb.connect(str(loaded)) as con:
        con.execute("update policy.tax_rates set tax_rate = tax_rate + 1 where true")
    assert plan_seed_loads(manifest, PROJECT_DIR, loaded).loaded == ("seed.meterline.tax_rates",)


def test_records_of_the_seeds_about_to_load_are_forgotten_first(
    manifest: dict[str, Any], loaded: Path
) -> None:
    plan = plan_seed_loads(manifest, PROJECT_DIR, loaded)
    record_seed_loads(plan, _results(manifest), loaded, "run-1")
    assert plan_seed_loads(manifest, PROJECT_DIR, loaded).loaded == ()
    forget_seed_loads(plan, loaded)  # every seed, as a run that loads them all does
    with duckdb.connect(str(loaded), read_only=True) as con:
        assert con.execute("select count(*) from meta.seed_loads").fetchone() == (0,)


def _unique_id(manifest: dict[str, Any], name: str) -> str:
    return next(uid for uid, node in manifest["nodes"].items() if node["name"] == name)


def test_dbt_leaves_out_exactly_the_unchanged_seeds_and_their_seed_only_tests(
    manifest: dict[str, Any], loaded: Path
) -> None:
    """The arguments a billing run gives `dbt build`, listed by the real dbt."""
    record_seed_loads(plan_seed_loads(manifest, PROJECT_DIR, loaded), _results(manifest), loaded, "run-1")
    plan = plan_seed_loads(manifest, PROJECT_DIR, loaded)
    dbt = [str(Path(sys.executable).with_name("dbt")), "ls", "--quiet", "--output", "name"]
    common = ["--profiles-dir", str(PROJECT_DIR), "--exclude-resource-type", "unit_test", "--select", "fqn:*"]
    environment = {**os.environ, "MET_DUCKDB_PATH": str(loaded)}

    def listed(*arguments: str) -> set[str]:
        done = subprocess.run(
            [*dbt, *common, *arguments], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return set(done.stdout.split())

    everything, built = listed(), listed(*plan.exclusion_args())
    assert everything - built == set(plan.excluded_nodes())
    assert "relationships_fct_invoice_lines_currency_code__currency_code__ref_currencies_" in built
