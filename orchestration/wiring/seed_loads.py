"""Which billing-policy seeds a billing run loads and tests: only those that changed.

The seeds (`seeds/`) change only by a reviewed commit, yet reloading all of them and running
their data tests was a fixed part of every billing run. Each seed now has a fingerprint: the
SHA-256 of its CSV, its dbt config, the definition of every data test that reads only seeds
(with the macros those tests call) and the dbt versions. `meta.seed_loads` records, per seed,
the fingerprint of the content the warehouse holds, written only after the seed loaded and
every one of those tests passed, with a checksum of the table as loaded. A run loads and tests
a seed unless the warehouse records its current fingerprint and its table still has the
recorded checksum (so a table dropped or edited by hand is loaded again); a fresh warehouse
loads and tests them all.
Data tests that also read a model run in every billing run, as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from orchestration.wiring.warehouse_connect import connect

SEED_LOADS_DDL = """
create schema if not exists meta;
create table if not exists meta.seed_loads (
    seed_unique_id varchar primary key,
    relation varchar not null,
    fingerprint varchar not null,
    table_checksum varchar not null,
    loaded_at timestamptz not null,
    run_id varchar not null
);
"""
# The versions of what loads a seed: a new dbt or dbt-duckdb may load a CSV differently.
LOADER_PACKAGES = ("dbt-core", "dbt-duckdb")


@dataclass(frozen=True)
class SeedPlan:
    """Fingerprints of every seed, and the seeds (with their seed-only tests) a run leaves out."""

    fingerprints: Mapping[str, str]
    seed_tests: Mapping[str, tuple[str, ...]]
    test_parents: Mapping[str, tuple[str, ...]]
    unchanged: tuple[str, ...]
    names: Mapping[str, str]
    relations: Mapping[str, str]

    def exclusion_args(self) -> list[str]:
        """dbt build arguments leaving out the unchanged seeds and their seed-only tests.

        Every other test stays selected by name (fqn:*), so a test that also reads a model
        still runs; dbt's default (eager) exclusion would drop it with its seed. One --exclude
        value, names separated by spaces: dagster-dbt takes one value per flag."""
        if not self.unchanged:
            return []
        return ["--indirect-selection", "empty", "--exclude", " ".join(self.excluded_nodes())]

    def loading_all(self) -> SeedPlan:
        """The same plan with no seed left out (a run that loads whatever it selects)."""
        return replace(self, unchanged=())

    @property
    def loaded(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.fingerprints) - set(self.unchanged)))

    def excluded_nodes(self) -> list[str]:
        """dbt node names to leave out: the unchanged seeds and the tests reading only them."""
        kept = set(self.unchanged)
        tests = {
            test
            for seed in self.unchanged
            for test in self.seed_tests[seed]
            if all(parent in kept for parent in self.test_parents[test])
        }
        return sorted({self.names[node] for node in kept | tests})


def _macro_sources(manifest: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The SQL of the macros named and of every macro they call, in a stable order."""
    macros = manifest["macros"]
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen or name not in macros:
            continue
        seen.add(name)
        pending.extend(macros[name].get("depends_on", {}).get("macros", []))
    return [f"{name}\n{macros[name]['macro_sql']}" for name in sorted(seen)]


def _seed_only_tests(manifest: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Per seed, the data tests whose every parent node is a seed."""
    nodes = manifest["nodes"]
    seeds = {uid for uid, node in nodes.items() if node["resource_type"] == "seed"}
    tests: dict[str, list[str]] = {seed: [] for seed in seeds}
    for uid, node in nodes.items():
        parents = node.get("depends_on", {}).get("nodes", [])
        if node["resource_type"] == "test" and parents and all(p in seeds for p in parents):
            for parent in set(parents):
                tests[parent].append(uid)
    return {seed: tuple(sorted(found)) for seed, found in tests.items()}


def seed_fingerprints(manifest: Mapping[str, Any], project_dir: Path) -> dict[str, str]:
    """SHA-256 of what a loaded and tested seed depends on, per seed unique_id."""
    nodes = manifest["nodes"]
    loaders = "\n".join(f"{package} {version(package)}" for package in LOADER_PACKAGES)
    fingerprints = {}
    for seed, tests in _seed_only_tests(manifest).items():
        node = nodes[seed]
        digest = hashlib.sha256(loaders.encode())
        digest.update((project_dir / node["original_file_path"]).read_bytes())
        digest.update(
            json.dumps([node["relation_name"], node["config"]], sort_keys=True, default=str).encode()
        )
        for test in tests:
            definition = nodes[test]
            digest.update(
                json.dumps(
                    [
                        test,
                        definition.get("test_metadata"),
                        definition["config"],
                        definition.get("raw_code"),
                        _macro_sources(manifest, definition.get("depends_on", {}).get("macros", [])),
                    ],
                    sort_keys=True,
                    default=str,
                ).encode()
            )
        fingerprints[seed] = digest.hexdigest()
    return fingerprints


def _table_checksum(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    """Row count and the sum of the rows' hashes (order-free), or None when the table is gone."""
    schema, table = relation.split(".")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    if not exists or not exists[0]:
        return None
    checksum = "count(*) || ':' || coalesce(sum(hash(loaded)::hugeint), 0)"
    row = con.execute(f'select {checksum} from "{schema}"."{table}" as loaded').fetchone()
    return str(row[0]) if row else None


def _recorded(duckdb_path: Path) -> dict[str, str]:
    """The recorded fingerprint of every seed whose table still holds what was loaded."""
    if not duckdb_path.exists():
        return {}
    with connect(duckdb_path, read_only=True) as con:
        has_table = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'meta' and table_name = 'seed_loads'"
        ).fetchone()
        if not has_table or not has_table[0]:
            return {}
        rows = con.execute(
            "select seed_unique_id, relation, fingerprint, table_checksum from meta.seed_loads"
        ).fetchall()
        return {
            seed: fingerprint
            for seed, relation, fingerprint, checksum in rows
            if _table_checksum(con, relation) == checksum
        }


def plan_seed_loads(manifest: Mapping[str, Any], project_dir: Path, duckdb_path: Path) -> SeedPlan:
    """The seeds whose fingerprint the warehouse records (and whose table it has) stay as loaded."""
    fingerprints = seed_fingerprints(manifest, project_dir)
    recorded = _recorded(duckdb_path)
    unchanged = tuple(sorted(seed for seed, value in fingerprints.items() if recorded.get(seed) == value))
    nodes = manifest["nodes"]
    seed_tests = _seed_only_tests(manifest)
    return SeedPlan(
        fingerprints=fingerprints,
        seed_tests=seed_tests,
        test_parents={
            test: tuple(sorted(set(nodes[test]["depends_on"]["nodes"])))
            for tests in seed_tests.values()
            for test in tests
        },
        unchanged=unchanged,
        names={uid: node["name"] for uid, node in nodes.items()},
        relations={seed: f"{nodes[seed]['schema']}.{nodes[seed]['alias']}" for seed in fingerprints},
    )


def forget_seed_loads(plan: SeedPlan, duckdb_path: Path) -> None:
    """Before dbt loads the changed seeds: their records go, so a failed load or test (or a
    revert to the recorded content) can never leave a record that no longer matches the table."""
    if not plan.loaded or not duckdb_path.exists():
        return
    with connect(duckdb_path) as con:
        con.execute(SEED_LOADS_DDL)
        con.executemany(
            "delete from meta.seed_loads where seed_unique_id = ?", [[seed] for seed in plan.loaded]
        )


def record_seed_loads(
    plan: SeedPlan,
    status: Mapping[str, str],
    duckdb_path: Path,
    run_id: str,
) -> list[str]:
    """Record the fingerprint of every seed this run loaded whose seed-only tests all passed.

    `status` is dbt's status per node unique_id (`success` for a seed loaded, `pass` for a test
    passed; a node that failed or did not run is absent or otherwise). Returns the unique_ids
    recorded. A seed whose load or any such test did not pass stays unrecorded, so the next run
    loads and tests it again."""
    passed = [
        seed
        for seed in plan.loaded
        if status.get(seed) == "success" and all(status.get(test) == "pass" for test in plan.seed_tests[seed])
    ]
    if not passed:
        return []
    with connect(duckdb_path) as con:
        con.execute(SEED_LOADS_DDL)
        rows = [
            (
                seed,
                plan.relations[seed],
                plan.fingerprints[seed],
                _table_checksum(con, plan.relations[seed]),
                run_id,
            )
            for seed in passed
        ]
        con.execute("begin")
        con.executemany("delete from meta.seed_loads where seed_unique_id = ?", [[row[0]] for row in rows])
        con.executemany(
            "insert into meta.seed_loads values (?, ?, ?, ?, now(), ?)", [list(row) for row in rows]
        )
        con.execute("commit")
    return passed
