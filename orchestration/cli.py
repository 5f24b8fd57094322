"""`meterline` command line: demo data, the monthly billing run, period close and corrections."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from orchestration.wiring.settings import PROJECT_DIR, Settings

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
    gates_passed = bool(gates) and all(ok for ok, _ in gates.values())
    if settings.duckdb_path.exists():
        print(
            billing_summary(
                settings.duckdb_path,
                period,
                gates,
                None,
                failed_steps,
                ready_to_close=result.success and gates_passed,
            )
        )
    outcome = "succeeded" if result.success else "FAILED"
    print(f"  Dagster run {result.run_id}: {outcome} (log: {log_path})")
    return 0 if result.success and gates_passed else 1


def execute_close(settings: Settings, period: str, closed_by: str) -> tuple[Any, dict[str, str]]:
    """Run the `period_close` job (close + exports) in-process; returns its result and failures."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("period_close")
    run_config = {
        # A refused close is reported below, not as a Dagster stack trace on the terminal.
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        "ops": {"ledger__period_close": {"config": {"closed_by": closed_by}}},
    }
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            partition_key=period, instance=instance, raise_on_error=False, run_config=run_config
        )
    failures = {
        event.step_key: event.event_specific_data.error.message.strip().removeprefix(
            "dagster._core.definitions.events.Failure: "
        )
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE" and event.step_key
    }
    return result, failures


def close(args: argparse.Namespace) -> int:
    """Record waivers if asked, close the period through the Dagster job, print the report."""
    import duckdb

    from orchestration.close.ledger import ensure_ledger, is_closed
    from orchestration.close.readiness import record_waivers
    from orchestration.close.report import period_report

    settings = prepare_environment()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        ensure_ledger(con)
        if args.waive_reason_code and not is_closed(con, args.period):
            if not args.why:
                print("a waiver needs --by NAME and --why TEXT", file=sys.stderr)
                return 2
            for reason in args.waive_reason_code:
                waived = record_waivers(con, args.period, reason, args.by, args.why)
                print(f"  waived {len(waived)} open {reason} exception(s) of {args.period}: {args.why}")
    result, failures = execute_close(settings, args.period, args.by)
    if not result.success:
        print(f"meterline close {args.period}: REFUSED", file=sys.stderr)
        for step, message in sorted(failures.items()):
            print(f"  {step}: {message}", file=sys.stderr)
        return 1
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        print(period_report(con, args.period, settings.exports_dir))
    print(f"  Dagster run {result.run_id}: succeeded")
    return 0


def ledger_command(args: argparse.Namespace) -> int:
    """approve / void / adjust / export: change the ledger, then rewrite the affected exports."""
    import duckdb

    from orchestration.close import approval, corrections
    from orchestration.close.ledger import ClosedPeriodError, LedgerError, ensure_ledger, is_closed
    from orchestration.close.report import period_report
    from orchestration.close.verify import LedgerTamperedError, refuse_if_tampered, unfinished_exports
    from orchestration.exports.writer import write_exports

    settings = prepare_environment()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        ensure_ledger(con)
        try:
            refuse_if_tampered(con)
            if args.command == "approve":
                if args.invoice:
                    periods = {approval.approve(con, args.invoice, args.by, args.note)[1]}
                else:
                    approved = approval.approve_held(con, args.period, args.rule, args.by, args.note)
                    print(f"  approved {len(approved)} document(s) held only for {args.rule}")
                    periods = {args.period}
            elif args.command == "void":
                credit, replacement = corrections.void(con, args.invoice, args.by, args.why)
                print(f"  {args.invoice} voided: credit note {credit}, replacement {replacement}")
                periods = {
                    str(
                        con.execute(
                            "select billing_period from ledger.invoices where invoice_number = ?", [credit]
                        ).fetchone()[0]
                    )
                }  # type: ignore[index]
            elif args.command == "adjust":
                notes = corrections.adjust(con, args.period, args.reason, args.by, args.why)
                for note in notes:
                    print(f"  {note.document_type} {note.invoice_number} for {note.customer_id}")
                if not notes:
                    print(f"  no difference between the rebuilt {args.period} and its closed invoices")
                periods = {note.billing_period for note in notes}
            else:
                periods = {args.period}
        except (LedgerError, ClosedPeriodError, LedgerTamperedError, ValueError) as error:
            print(f"meterline {args.command}: {error}", file=sys.stderr)
            return 1
        for period in sorted(periods):
            if is_closed(con, period):
                write_exports(con, period, settings.exports_dir)
            print(period_report(con, period, settings.exports_dir))
        # Work an interrupted command left half done elsewhere, with the command that finishes it.
        for problem in unfinished_exports(con, settings.exports_dir):
            print(f"  unfinished: {problem}")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Recompute every close's hashes and the export manifests; 1 and the differences on a mismatch."""
    import duckdb

    from orchestration.close.verify import verify

    settings = prepare_environment()
    if not settings.duckdb_path.exists():
        print(f"meterline verify: no warehouse at {settings.duckdb_path}", file=sys.stderr)
        return 1
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        has_ledger = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'ledger' "
            "and table_name = 'close_chain'"
        ).fetchone()
        if not has_ledger or not has_ledger[0]:
            print("meterline verify: no close to verify")
            return 0
        problems = verify(con, settings.exports_dir, args.period)
    scope = args.period or "every closed period"
    if problems:
        print(f"meterline verify {scope}: {len(problems)} difference(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"meterline verify {scope}: ledger and exports match their recorded hashes")
    return 0


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

    closing = commands.add_parser("close", help="close a gated period: numbers, snapshot, exports")
    closing.add_argument("--period", required=True, type=_period, help="billing period YYYY-MM")
    closing.add_argument("--by", default=os.environ.get("USER", "meterline"), help="who closes")
    closing.add_argument(
        "--waive-reason-code",
        action="append",
        default=[],
        help="waive the open blocking exceptions of a reason",
    )
    closing.add_argument("--why", default="", help="why the exceptions are waived")

    approve = commands.add_parser("approve", help="approve a held invoice (or all held only for one rule)")
    target = approve.add_mutually_exclusive_group(required=True)
    target.add_argument("--invoice", help="invoice number or draft id <customer>-<YYYY-MM>")
    target.add_argument("--period", type=_period, help="with --rule: every document held only for it")
    approve.add_argument("--rule", default="first_invoice", help="hold reason approved in bulk with --period")
    approve.add_argument("--by", required=True, help="who approves")
    approve.add_argument("--note", default="", help="optional note")

    void = commands.add_parser(
        "void", help="void an invoice: credit note and replacement in the next open period"
    )
    void.add_argument("--invoice", required=True)
    void.add_argument("--by", required=True)
    void.add_argument("--why", required=True)

    adjust = commands.add_parser("adjust", help="issue debit/credit notes for a re-rated closed period")
    adjust.add_argument("--period", required=True, type=_period, help="the closed period that was rebuilt")
    adjust.add_argument(
        "--reason", required=True, help="a reason of seeds/close/adjustment_reasons.csv, e.g. late_usage"
    )
    adjust.add_argument("--by", required=True)
    adjust.add_argument("--why", required=True)

    export = commands.add_parser("export", help="rewrite a closed period's exports from the ledger")
    export.add_argument("--period", required=True, type=_period)

    checking = commands.add_parser("verify", help="recompute the closes' hashes and the export manifests")
    checking.add_argument("--period", type=_period, help="only this closed period (default: all)")

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
    if args.command == "verify":
        return verify_command(args)
    from orchestration.wiring.run_lock import WarehouseBusyError, writer_lock

    # Named in the lock file, so a second command can say which one is running.
    targets = [f"--{key} {getattr(args, key)}" for key in ("period", "invoice") if getattr(args, key, None)]
    described = " ".join([args.command, *targets])
    try:
        with writer_lock(Settings.from_env().duckdb_path, described):
            if args.command == "run":
                return run_billing(args.period)
            if args.command == "close":
                return close(args)
            return ledger_command(args)
    except WarehouseBusyError as error:
        print(f"meterline {args.command}: {error}", file=sys.stderr)
        return 1


def _period(value: str) -> str:
    """A billing period argument: YYYY-MM, nothing else (it is used in paths and SQL)."""
    from orchestration.wiring.periods import period_bounds

    try:
        period_bounds(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM period: {value!r}") from None
    if len(value) != 7:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM period: {value!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
