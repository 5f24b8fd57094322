"""`make bench`, second part: what a month costs on a warehouse that already holds the one before.

A billing run of period P reads only the raw files whose rows can matter to P (macro
`current_rows`), so a month billed after earlier months should cost about what it costs on
an empty warehouse. Two deployments are measured, each in a process of its own:

- history: month 1 generated and billed, then month 2 generated into the same landing folder
  (the demo generator makes consecutive months one continuous world) and billed (`--history`
  names the months billed first: two of them measure a third month);
- alone: month 2 generated and billed on an empty warehouse.

A run reads the files of the month before it too (their last days are its look-back), so the
second month costs what it did before files had spans; from the third month on, the months
before last are no longer read.

Month 2's run is measured in both (wall and CPU seconds of the whole process tree, the whole
job and its dbt steps), and the ratio history / alone is printed. CPU seconds are the figure
to compare on a machine other builds share.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.deployment import use_deployment
from orchestration.wiring.settings import PROJECT_DIR


def _measure(workdir: Path, periods: list[str], scale: float, seed: int) -> dict[str, float]:
    """Generate and bill each period in turn on one deployment; figures of the last run."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    use_deployment(workdir)
    from bench.whole_job import MemorySampler, _step_windows
    from orchestration.demo.generate import generate_demo
    from orchestration.runner import execute_monthly_billing, prepare_environment

    settings = prepare_environment()
    for period in periods[:-1]:
        generate_demo(workdir, period=period, seed=seed, scale=scale, write_truth=False)
        result, _, log_path = execute_monthly_billing(settings, period)
        if not result.success:
            raise SystemExit(f"billing {period} failed; log: {log_path}")
    generate_demo(workdir, period=periods[-1], seed=seed, scale=scale, write_truth=False)
    sampler = MemorySampler()
    with sampler.running():
        started = time.time()
        result, entries, log_path = execute_monthly_billing(settings, periods[-1])
        ended = time.time()
    if not result.success:
        raise SystemExit(f"billing {periods[-1]} failed; log: {log_path}")
    windows = _step_windows(entries)
    dbt_steps = [window for step, window in windows.items() if "dbt" in step]
    return {
        "job_seconds": ended - started,
        "job_cpu_seconds": sampler.cpu_between(started, ended),
        "dbt_seconds": sum(end - start for start, end in dbt_steps),
        "dbt_cpu_seconds": sum(sampler.cpu_between(start, end) for start, end in dbt_steps),
    }


def _run_scenario(name: str, periods: list[str], args: argparse.Namespace) -> dict[str, float]:
    """One scenario in a fresh process: its own settings, Dagster instance and CPU count."""
    out = args.workdir / f"{name}.json"
    command = [
        sys.executable,
        "-m",
        "bench.second_month",
        "--scenario",
        name,
        "--periods",
        ",".join(periods),
        "--scale",
        str(args.scale),
        "--seed",
        str(args.seed),
        "--workdir",
        str(args.workdir),
    ]
    subprocess.run(command, check=True, cwd=PROJECT_DIR)
    figures: dict[str, float] = json.loads(out.read_text())
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterline-bench-second-month", description=__doc__)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("MET_BENCH_SECOND_SCALE", "10")))
    # the months billed before, oldest first: "2026-08,2026-09" measures a third month
    parser.add_argument("--history", default="2026-09")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "work" / "second_month")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--periods", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workdir = args.workdir.resolve()

    if args.scenario:
        figures = _measure(args.workdir / args.scenario, args.periods.split(","), args.scale, args.seed)
        (args.workdir / f"{args.scenario}.json").write_text(json.dumps(figures, indent=2) + "\n")
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    history = _run_scenario("history", [*args.history.split(","), args.period], args)
    alone = _run_scenario("alone", [args.period], args)
    report = {
        "scale": args.scale,
        "period": args.period,
        "after": args.history.split(","),
        "history": history,
        "alone": alone,
        "ratios": {key: history[key] / alone[key] if alone[key] else None for key in alone},
    }
    (args.workdir / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"meterline bench: {args.period} billed after {args.history} vs alone, scale {args.scale}")
    print(f"  {'figure':<18} {'after history':>14} {'alone':>10} {'ratio':>7}")
    for key, ratio in report["ratios"].items():
        shown = f"{ratio:>7.2f}" if ratio is not None else f"{'-':>7}"
        print(f"  {key:<18} {history[key]:>14.1f} {alone[key]:>10.1f} {shown}")
    print(f"  figures in {args.workdir / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
