"""What a billing run of the demo month pays whatever the data: measured, in a fresh process.

Runs the demo month twice on one fresh warehouse (the first run loads and tests every policy
seed, the second only those that changed: none) and splits each run's time into the fixed
overhead (Python and Dagster start-up, dbt parse, dbt's own start and finish, the policy
seeds with their tests, the gates) and the data-dependent work (ingest, models, the models'
data tests). Every figure comes from a clock or Dagster's event log (each dbt node's event
carries its unique_id and its execution duration).
`make bench` runs it in its own process, so the start-up measured is a real one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bench.deployment import use_deployment
from orchestration.wiring.settings import PROJECT_DIR

STARTED_AT = psutil.Process().create_time()
GATES_STEP = "gx_gates"
DBT_STEP = "meterline_dbt_models"
NODE_KINDS = ("seeds", "seed tests", "models", "model tests")
RUN_LABELS = ("first run, fresh warehouse", "rerun, seeds unchanged")


# One event per dbt node: the step's output event repeats a materialisation's metadata.
NODE_EVENTS = ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION")


def _dbt_nodes(entries: list[Any]) -> list[tuple[str, float, float]]:
    """(unique_id, execution seconds, time Dagster recorded it) of every dbt node the billing
    run's dbt step reported: a model's or seed's materialisation, a test's check evaluation."""
    nodes = []
    for entry in entries:
        event = entry.dagster_event
        if event is None or event.step_key != DBT_STEP or event.event_type_value not in NODE_EVENTS:
            continue
        data = event.event_specific_data
        metadata = getattr(getattr(data, "materialization", None), "metadata", None)
        if metadata is None:
            metadata = getattr(data, "metadata", None) or {}
        uid, duration = metadata.get("unique_id"), metadata.get("Execution Duration")
        if uid is not None and duration is not None:
            nodes.append((str(uid.value), float(duration.value), entry.timestamp))
    return nodes


def _node_split(nodes: list[tuple[str, float, float]], seed_only_tests: set[str]) -> dict[str, Any]:
    """Node counts and summed node seconds per kind, and the first start and last end of any
    node (an end as Dagster recorded the node's event, a start that less its duration)."""
    split: dict[str, Any] = {
        "seeds": [0, 0.0],
        "seed tests": [0, 0.0],
        "models": [0, 0.0],
        "model tests": [0, 0.0],
    }
    for uid, seconds, _ in nodes:
        kind = uid.split(".")[0]
        if kind == "seed":
            bucket = "seeds"
        elif kind == "test":
            bucket = "seed tests" if uid in seed_only_tests else "model tests"
        elif kind == "model":
            bucket = "models"
        else:
            continue
        split[bucket][0] += 1
        split[bucket][1] += seconds
    split["first_node"] = min((at - seconds for _, seconds, at in nodes), default=0.0)
    split["last_node"] = max((at for _, _, at in nodes), default=0.0)
    return split


def _run(settings: Any, period: str, seed_only_tests: set[str]) -> dict[str, Any]:
    from orchestration.runner import execute_monthly_billing

    started = time.time()
    result, entries, _ = execute_monthly_billing(settings, period)
    ended = time.time()
    windows: dict[str, list[float]] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is not None and event.step_key and event.event_type_value in ("STEP_START", "STEP_SUCCESS"):
            windows.setdefault(event.step_key, []).append(entry.timestamp)
    steps = {step: max(times) - min(times) for step, times in windows.items()}
    dbt_start, dbt_end = min(windows[DBT_STEP]), max(windows[DBT_STEP])
    nodes = _node_split(_dbt_nodes(entries), seed_only_tests)
    return {
        "succeeded": result.success,
        "job_seconds": ended - started,
        "ingest_seconds": steps.get("landing_files", 0.0),
        "gates_seconds": steps.get(GATES_STEP, 0.0),
        # dbt's start (parse check, connect) before its first node and its finish after the last
        "dbt_start_finish_seconds": (nodes["first_node"] - dbt_start) + (dbt_end - nodes["last_node"]),
        "dbt_nodes_seconds": nodes["last_node"] - nodes["first_node"],
        "nodes": {kind: {"count": nodes[kind][0], "node_seconds": nodes[kind][1]} for kind in NODE_KINDS},
    }


def measure(workdir: Path, period: str, seed: int) -> dict[str, Any]:
    """Two billing runs of the demo month on one fresh warehouse under `workdir`."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    use_deployment(workdir)
    from orchestration.demo.generate import generate_demo

    before_generation = time.time()
    generate_demo(workdir, period=period, seed=seed, write_truth=False)
    generated = time.time()
    from orchestration.runner import prepare_environment

    settings = prepare_environment()
    parsed = time.time()
    from orchestration.definitions import defs  # noqa: F401  (loading it is the start-up measured)
    from orchestration.wiring.dbt_project import meterline_dbt_project
    from orchestration.wiring.event_log_storage import open_instance
    from orchestration.wiring.seed_loads import plan_seed_loads

    with open_instance():
        pass
    loaded = time.time()
    manifest = json.loads(meterline_dbt_project.manifest_path.read_text())
    plan = plan_seed_loads(manifest, PROJECT_DIR, settings.duckdb_path)
    seed_only_tests = {test for tests in plan.seed_tests.values() for test in tests}
    return {
        "period": period,
        # interpreter start to the demo month's generation, then the Definitions and the instance
        "startup_seconds": (before_generation - STARTED_AT) + (loaded - parsed),
        "dbt_parse_seconds": parsed - generated,
        "runs": [_run(settings, period, seed_only_tests), _run(settings, period, seed_only_tests)],
    }


def fixed_seconds(figures: dict[str, Any], run: dict[str, Any]) -> float:
    """Wall seconds a run pays whatever the data: start-up, parse, dbt's start and finish, gates."""
    return (
        figures["startup_seconds"]
        + figures["dbt_parse_seconds"]
        + run["dbt_start_finish_seconds"]
        + run["gates_seconds"]
    )


def report(figures: dict[str, Any]) -> list[str]:
    lines = []
    for label, run in zip(
        ("first run, fresh warehouse", "rerun, seeds unchanged"), figures["runs"], strict=True
    ):
        nodes = run["nodes"]
        policy_seconds = nodes["seeds"]["node_seconds"] + nodes["seed tests"]["node_seconds"]
        lines.append(
            f"  demo month {figures['period']} ({label}): fixed overhead {fixed_seconds(figures, run):.1f} s "
            f"(Python+Dagster start-up {figures['startup_seconds']:.1f}, "
            f"dbt parse {figures['dbt_parse_seconds']:.1f}, "
            f"dbt start/finish {run['dbt_start_finish_seconds']:.1f}, "
            f"gates {run['gates_seconds']:.1f}); data-dependent: ingest {run['ingest_seconds']:.1f} s, "
            f"dbt nodes {run['dbt_nodes_seconds']:.1f} s wall"
        )
        lines.append(
            f"    dbt node seconds (summed over threads): policy seeds {nodes['seeds']['count']} "
            f"+ their tests {nodes['seed tests']['count']} = {policy_seconds:.1f}, "
            f"models {nodes['models']['count']} = {nodes['models']['node_seconds']:.1f}, "
            f"model tests {nodes['model tests']['count']} = {nodes['model tests']['node_seconds']:.1f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterline-bench-fixed-overhead", description=__doc__)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "work" / "demo_month")
    args = parser.parse_args(argv)
    figures = measure(args.workdir.resolve(), args.period, args.seed)
    (args.workdir / "fixed_overhead.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n".join(report(figures)))
    return 0 if all(run["succeeded"] for run in figures["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
