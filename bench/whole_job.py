"""`make bench`: the demo month's fixed overhead, then a scaled demo month through the real
monthly billing job.

Prints wall time, CPU time and peak memory (RSS; both of the whole process tree, dbt's fork
included) and rows per second for each stage, and writes the figures to bench/work/results.json so later
work can be compared against them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.deployment import use_deployment
from orchestration.wiring.settings import PROJECT_DIR

MIB = 1024 * 1024


@dataclass
class MemorySampler:
    """Samples the memory and the CPU time of this process and all its descendants every
    `interval` seconds.

    Memory is the RSS summed over the processes, an upper bound: dbt runs in a fork of the
    job's process, and the pages the two still share count twice. Their proportional set size
    would count them once, but reading it walks each process's page tables under its memory
    map lock (about 40 ms for a 3 GiB process, against 0.01 ms for its RSS), ten times a second
    per process: too heavy a hand on the job it measures.

    On a machine other builds share, wall time says as much about them as about the job; CPU
    time (user + system, finished children included) is what the job itself spent."""

    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _tree_usage(self) -> tuple[int, float]:
        root = psutil.Process()
        memory = 0
        # children that ended (and were waited for) count in the root's children_* times
        times = root.cpu_times()
        cpu = times.user + times.system + times.children_user + times.children_system
        for process in root.children(recursive=True):
            try:
                memory += process.memory_info().rss
                child = process.cpu_times()
                cpu += child.user + child.system
            except psutil.Error:
                continue
        return memory + root.memory_info().rss, cpu

    def _run(self) -> None:
        while not self._stop.is_set():
            at = time.time()
            rss, cpu = self._tree_usage()
            self.samples.append((at, rss))
            self.cpu_samples.append((at, cpu))
            time.sleep(self.interval)

    @contextmanager
    def running(self) -> Iterator[MemorySampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def peak_between(self, start: float, end: float) -> int:
        window = [rss for at, rss in self.samples if start <= at <= end]
        return max(window, default=0)

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the tree spent from the last sample at or before `start` to the first
        at or after `end` (so a stage shorter than a sampling interval still gets its share)."""
        before = [cpu for at, cpu in self.cpu_samples if at <= start]
        after = [cpu for at, cpu in self.cpu_samples if at >= end]
        first = before[-1] if before else (self.cpu_samples[0][1] if self.cpu_samples else 0.0)
        last = after[0] if after else (self.cpu_samples[-1][1] if self.cpu_samples else 0.0)
        return max(last - first, 0.0)


def _step_windows(entries: list[Any]) -> dict[str, tuple[float, float]]:
    """Start and end time of each Dagster step, from the run's event log entries."""
    windows: dict[str, list[float]] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            windows.setdefault(event.step_key, []).append(entry.timestamp)
    return {step: (min(times), max(times)) for step, times in windows.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterline-bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("MET_BENCH_SCALE", "141")))
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "work")
    args = parser.parse_args(argv)

    workdir: Path = args.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    # First the demo month's fixed overhead, in a process of its own so its start-up is real.
    print("meterline bench: the demo month's fixed overhead (bench/fixed_overhead.py)", flush=True)
    demo = subprocess.run(
        [sys.executable, "-m", "bench.fixed_overhead", "--workdir", str(workdir / "demo_month")],
        cwd=PROJECT_DIR,
        check=False,
    )
    if demo.returncode != 0:
        print("meterline bench: the demo month's billing run FAILED; see the lines above")
        return 1
    use_deployment(workdir)
    from orchestration.demo.generate import generate_demo
    from orchestration.runner import execute_monthly_billing, prepare_environment

    settings = prepare_environment()

    stages: list[dict[str, object]] = []
    sampler = MemorySampler()
    with sampler.running():
        started = time.time()
        generate_demo(workdir, period=args.period, seed=args.seed, scale=args.scale, write_truth=False)
        ended = time.time()
        stages.append(
            {
                "stage": "generate demo month",
                "seconds": ended - started,
                "peak_mib": sampler.peak_between(started, ended) / MIB,
                "cpu_seconds": sampler.cpu_between(started, ended),
            }
        )
        run_started = time.time()
        result, entries, log_path = execute_monthly_billing(settings, args.period)
        run_ended = time.time()
        for step, (start, end) in sorted(_step_windows(entries).items(), key=lambda item: item[1][0]):
            stages.append(
                {
                    "stage": step,
                    "seconds": end - start,
                    "peak_mib": sampler.peak_between(start, end) / MIB,
                    "cpu_seconds": sampler.cpu_between(start, end),
                }
            )
        stages.append(
            {
                "stage": "whole job",
                "seconds": run_ended - run_started,
                "peak_mib": sampler.peak_between(run_started, run_ended) / MIB,
                "cpu_seconds": sampler.cpu_between(run_started, run_ended),
            }
        )

    if not result.success:
        # No marts to compare with: say which steps failed, where the log is, and stop.
        failed = sorted({e.step_key for e in entries if e.dagster_event and e.dagster_event.is_step_failure})
        print(f"meterline bench: the job FAILED at scale {args.scale} in {', '.join(failed) or 'its set-up'}")
        print(f"  log: {log_path}")
        return 1

    import duckdb

    from bench.reference_pass import comparable_lines, reference_lines

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        raw_rows = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'raw' order by 1"
            ).fetchall()
        )
        started = time.time()
        reference = reference_lines(con, args.period)
        reference_seconds = time.time() - started
        reference, pipeline = comparable_lines(con, reference, args.period)
    stages.append({"stage": "hand-written DuckDB reference pass", "seconds": reference_seconds})
    usage_rows = sum(v for k, v in raw_rows.items() if k.startswith(("slurm", "opencost", "energy")))
    for stage in stages:
        seconds = float(stage["seconds"])  # type: ignore[arg-type]
        stage["rows_per_second"] = round(usage_rows / seconds) if seconds else None
    dbt_seconds = sum(float(s["seconds"]) for s in stages if "dbt" in str(s["stage"]))  # type: ignore[arg-type]
    same_lines = sorted(reference) == sorted(pipeline)
    customer_lines = sum(1 for line in pipeline if line[0] == "customer")
    report = {
        "scale": args.scale,
        "period": args.period,
        "usage_rows": usage_rows,
        "raw_rows": raw_rows,
        "job_succeeded": result.success,
        "dbt_over_reference": dbt_seconds / reference_seconds,
        "reference_matches_pipeline": same_lines,
        "stages": stages,
    }
    (workdir / "results.json").write_text(json.dumps(report, indent=2) + "\n")

    print(
        f"meterline bench: scale {args.scale}, {usage_rows:,} usage rows "
        f"({', '.join(f'{k} {v:,}' for k, v in raw_rows.items() if v)})"
    )
    print(f"  {'stage':<58} {'seconds':>8} {'CPU s':>8} {'peak MiB':>9} {'usage rows/s':>13}")
    for stage in stages:
        peak = f"{stage['peak_mib']:>9.0f}" if "peak_mib" in stage else f"{'-':>9}"
        cpu = f"{stage['cpu_seconds']:>8.1f}" if "cpu_seconds" in stage else f"{'-':>8}"
        rows = stage["rows_per_second"] or 0
        print(f"  {stage['stage']:<58} {stage['seconds']:>8.1f} {cpu} {peak} {rows:>13,}")
    print(
        f"  dbt build takes {dbt_seconds / reference_seconds:.1f}x the hand-written pass; "
        f"lines {'identical' if same_lines else 'DIFFER'} ({customer_lines} customer invoice lines, "
        f"{len(pipeline) - customer_lines} vendor expected lines)"
    )
    print(f"  job {'succeeded' if result.success else 'FAILED'}; figures in {workdir / 'results.json'}")
    return 0 if result.success and same_lines else 1


if __name__ == "__main__":
    raise SystemExit(main())
