"""`meterline` command line: demo data, the monthly billing run, the benchmark."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from orchestration.settings import PROJECT_DIR, Settings

TELEMETRY_OFF = "telemetry:\n  enabled: false\n"


def prepare_environment() -> Settings:
    """Persistent DAGSTER_HOME with telemetry off; absolute paths shared with dbt."""
    settings = Settings.from_env()
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DIR / ".dagster_home")))
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(TELEMETRY_OFF)
    os.environ["MET_DUCKDB_PATH"] = str(settings.duckdb_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return settings


def execute_monthly_billing(settings: Settings, period: str) -> tuple[Any, list[Any], Path]:
    """Run the monthly billing job in-process on the persistent instance.

    Returns the run result, the run's event log entries (timestamped) and the log file that
    receives dbt's per-node output; the terminal only gets warnings.
    """
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("monthly_billing")
    log_path = settings.duckdb_path.parent / "logs" / f"monthly_billing_{period}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    quiet_console = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with DagsterInstance.get() as instance, log_path.open("w") as log, redirect_stdout(log):
        result = job.execute_in_process(
            partition_key=period, instance=instance, raise_on_error=False, run_config=quiet_console
        )
        entries = instance.all_logs(result.run_id)
    return result, entries, log_path


def run_billing(period: str) -> int:
    """Run the monthly billing job for `period` and print the summary; 0 only if all passed."""
    settings = prepare_environment()
    from orchestration.summary import billing_summary

    result, _, log_path = execute_monthly_billing(settings, period)
    gates = {
        evaluation.check_name: (
            evaluation.passed,
            "; ".join(evaluation.metadata["failed_expectations"].value or [])
            if "failed_expectations" in evaluation.metadata
            else "",
        )
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name.startswith("gx_")
    }
    failed_steps = {
        event.step_key: event.event_specific_data.error.message.strip().splitlines()[0]
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE" and event.step_key
    }
    exported = any(
        event.asset_key and event.asset_key.path == ["exports", "invoice_export"]
        for event in result.get_asset_materialization_events()
    )
    export_dir = settings.exports_dir / period if exported else None
    if settings.duckdb_path.exists():
        print(billing_summary(settings.duckdb_path, period, gates, export_dir, failed_steps))
    outcome = "succeeded" if result.success else "FAILED"
    print(f"  Dagster run {result.run_id}: {outcome} (log: {log_path})")
    return 0 if result.success and exported else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="demo data").add_subparsers(dest="demo_command", required=True)
    generate = demo.add_parser("generate", help="write a demo month into landing/ and truth/")
    generate.add_argument("--period", default="2026-10", help="billing period YYYY-MM")
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--scale", type=float, default=1.0, help="multiplies jobs, containers, meters")
    generate.add_argument(
        "--out", type=Path, default=PROJECT_DIR, help="folder that receives landing/ and truth/"
    )
    generate.add_argument(
        "--no-vendor-defects", action="store_true", help="clean vendor bills: no vendor defect, no cost burst"
    )

    run = commands.add_parser("run", help="run the monthly billing job for one period")
    run.add_argument("--period", default="2026-10", help="billing period YYYY-MM")

    args = parser.parse_args(argv)
    if args.command == "demo":
        from orchestration.demo.generate import generate_demo

        summary = generate_demo(
            args.out,
            period=args.period,
            seed=args.seed,
            scale=args.scale,
            vendor_defects=not args.no_vendor_defects,
        )
        print(f"demo month {args.period} written under {args.out}: {summary}")
        return 0
    if args.command == "run":
        return run_billing(args.period)
    return 2


if __name__ == "__main__":
    sys.exit(main())
