"""`meterline` command line: demo data, the monthly billing run, period close and corrections,
and the dunning evaluation."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

from orchestration.runner import (
    execute_close,
    execute_dunning,
    execute_monthly_billing,
    prepare_environment,
    step_failures,
)
from orchestration.wiring.money import decimal_text, minor_units
from orchestration.wiring.settings import PROJECT_DIR, Settings
from orchestration.wiring.warehouse_connect import WarehouseHeldError, connect

if TYPE_CHECKING:
    import duckdb


def run_billing(period: str) -> int:
    """Run the monthly billing job for `period` and print the summary; 0 only if all passed."""
    settings = Settings.from_env()
    if not settings.landing_dir.is_dir():
        print(
            f"meterline run: no landing folder {settings.landing_dir} (set MET_LANDING_DIR, "
            "or write the demo month: meterline demo generate)",
            file=sys.stderr,
        )
        return 2
    settings = prepare_environment()
    from dagster import AssetKey

    from orchestration.exports.publish import CATALOG
    from orchestration.summary import billing_summary, usage_line_count

    print(f"meterline run {period}: ingest, dbt build and gates (dbt progress below)", flush=True)
    result, _, log_path = execute_monthly_billing(settings, period)
    gates = {
        evaluation.check_name: (
            evaluation.passed,
            "; ".join(cast(list[str], evaluation.metadata["failed_expectations"].value or []))
            if "failed_expectations" in evaluation.metadata
            else "",
        )
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name.startswith("gx_")
    }
    failed_steps = {step: message.splitlines()[0] for step, message in step_failures(result).items()}
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
        if result.success and usage_line_count(settings.duckdb_path, period) == 0:
            print(
                f"  WARNING: no usage billed in {period}: its invoices hold only commitments and fees. "
                "Check that landing/ holds this month's files.",
                file=sys.stderr,
            )
    published = AssetKey(["published", "marts"])
    if any(event.asset_key == published for event in result.get_asset_materialization_events()):
        print(f"  Published for readers: {settings.published_dir / CATALOG} (every published month)")
    elif (settings.published_dir / period).exists():
        print(f"  Not published: readers keep the last good copy of {period} in {settings.published_dir}")
    if settings.duckdb_path.exists():
        with connect(settings.duckdb_path, read_only=True) as con:
            print_unfinished(con, settings.exports_dir)
    outcome = "succeeded" if result.success else "FAILED"
    print(f"  Dagster run {result.run_id}: {outcome} (log: {log_path})")
    return 0 if result.success and gates_passed else 1


def run_periods(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`run --period P`, or `run --from A --to B`: one billing run per period, oldest first."""
    from orchestration.wiring.periods import PeriodError, has_ended, periods_between

    if args.period and (args.first or args.last):
        parser.error("give --period, or --from and --to, not both")
    if bool(args.first) != bool(args.last):
        parser.error("a range needs both --from and --to")
    try:
        periods = periods_between(args.first, args.last) if args.first else [args.period or "2026-10"]
    except PeriodError as error:
        parser.error(str(error))
    codes = {}
    for period in periods:
        if not has_ended(period):
            print(f"meterline run {period}: PREVIEW, the month has not ended; drafts only, no close yet")
        codes[period] = run_billing(period)
    failed = [period for period, code in codes.items() if code]
    if len(periods) > 1:
        print(
            f"meterline run {periods[0]}..{periods[-1]}: {len(periods) - len(failed)} of {len(periods)} "
            "period(s) passed" + (f"; failed: {', '.join(failed)}" if failed else "")
        )
    # 2 (nothing could run, e.g. no landing folder) outranks 1 (a step or gate failed).
    return max(codes.values())


def close(args: argparse.Namespace) -> int:
    """Record waivers if asked, close the period through the Dagster job, print the report."""
    from orchestration.close.ledger import is_closed
    from orchestration.close.readiness import record_waivers
    from orchestration.close.report import period_report
    from orchestration.wiring.warehouse_setup import ensure_ledger

    settings = prepare_environment()
    with connect(settings.duckdb_path) as con:
        ensure_ledger(con)
        if is_closed(con, args.period):
            print(f"meterline close {args.period}: already closed; its documents stay as they are")
        elif args.waive_reason_code:
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
    with connect(settings.duckdb_path, read_only=True) as con:
        print(period_report(con, args.period, settings.exports_dir))
        print_unfinished(con, settings.exports_dir)
    print(f"  Dagster run {result.run_id}: succeeded")
    return 0


def dunning(args: argparse.Namespace) -> int:
    """Evaluate dunning as of a date through the `daily_dunning` job and print what it decided."""
    from orchestration.receivables.dunning import evaluation_period, evaluation_summary

    settings = prepare_environment()
    as_of = args.as_of.isoformat()
    result, failures = execute_dunning(settings, as_of, f"meterline dunning --by {args.by}")
    if not result.success:
        print(f"meterline dunning --as-of {as_of}: FAILED", file=sys.stderr)
        for step, message in sorted(failures.items()):
            print(f"  {step}: {message}", file=sys.stderr)
        return 1
    (evaluated,) = result.asset_materializations_for_node("receivables__dunning")
    changes = cast(int, evaluated.metadata["stage_changes"].value)
    notices = cast(list[str], evaluated.metadata["notices"].value)
    cash_batch = cast(str, evaluated.metadata["cash_batch"].value)
    cash_journals = cast(int, evaluated.metadata["cash_journals"].value)
    cash_held = cast(list[str], evaluated.metadata["cash_held"].value)
    with connect(settings.duckdb_path, read_only=True) as con:
        summary = evaluation_summary(
            con, args.as_of, evaluation_period(args.as_of), changes, settings.exports_dir
        )
    stages = ", ".join(f"{stage} {count}" for stage, count in summary.stages.items()) or "none overdue"
    units = minor_units()
    print(f"meterline dunning as of {as_of} (receivables kept under {summary.period})")
    loaded, rejected = (evaluated.metadata[key].value for key in ("bank_files_loaded", "bank_files_rejected"))
    print(
        f"  bank files read: {loaded} new" + (f", {len(cast(dict, rejected))} rejected" if rejected else "")
    )
    entries = ", ".join(f"{state} {count}" for state, count in summary.entries.items()) or "none"
    print(f"  bank credits so far: {entries}")
    unapplied = ", ".join(f"{decimal_text(m, units[c])} {c}" for c, m in summary.unapplied.items()) or "none"
    print(f"  unapplied cash: {unapplied}")
    statuses = ", ".join(f"{status} {count}" for status, count in summary.statuses.items()) or "none sent"
    owed = ", ".join(f"{decimal_text(m, units[c])} {c}" for c, m in summary.open_minor.items()) or "nothing"
    print(f"  documents sent: {statuses}; open: {owed}")
    print(f"  overdue documents by stage: {stages}")
    print(f"  stage changes recorded in ledger.dunning_stage_changes: {summary.changes}")
    for action, customers in (("suspend", summary.suspend), ("lift", summary.lift)):
        listed = ", ".join(f"{customer} ({subjects} subject(s))" for customer, subjects in customers)
        print(f"  {action}: {listed or 'nobody'}")
    print(f"  hand-off for operations: {summary.files[0]} and .json")
    folder = settings.exports_dir / "notices" / as_of
    print(
        f"  notices to customers: {len(notices)}"
        + (f" in {folder} ({', '.join(notices)})" if notices else "")
    )
    cash_folder = settings.exports_dir / "cash" / as_of
    print(
        f"  cash journal: {cash_journals} new journal(s)"
        + (f" in batch {cash_batch}; exports for accounting in {cash_folder}" if cash_batch else "")
    )
    for waiting in cash_held:
        print(f"  cash journal waits for an account: {waiting}")
    print(f"  Dagster run {result.run_id}: succeeded")
    return 0


def demo_statements(args: argparse.Namespace) -> int:
    """Write the demo's bank statements for a closed month's sent invoices (demo/statements.py)."""
    from orchestration.demo.statements import StatementsError, write_statements

    settings = Settings.from_env()
    if not settings.duckdb_path.exists():
        print(f"meterline demo statements: no warehouse at {settings.duckdb_path}", file=sys.stderr)
        return 2
    with connect(settings.duckdb_path, read_only=True) as con:
        try:
            truth = write_statements(con, args.period, args.out)
        except StatementsError as error:
            print(f"meterline demo statements: {error}", file=sys.stderr)
            return 2
    print(
        f"bank statements paying {args.period}'s invoices written under {args.out / 'landing' / 'bank'}: "
        f"{len(truth['entries'])} payment(s) to {len(truth['documents'])} invoice(s); "
        f"truth as of {truth['as_of_date']} in {args.out / 'truth' / args.period / 'receivables.json'}"
    )
    return 0


def dispute(args: argparse.Namespace) -> int:
    """Open (or with --resolve, resolve) a customer's dispute of a document."""
    from orchestration.close.ledger import LedgerError
    from orchestration.receivables.disputes import record_dispute
    from orchestration.wiring.warehouse_setup import ensure_ledger

    action = "resolved" if args.resolve else "opened"
    with connect(Settings.from_env().duckdb_path) as con:
        ensure_ledger(con)
        try:
            recorded = record_dispute(con, args.invoice, action, args.on, args.why, args.by)
        except LedgerError as error:
            print(f"meterline dispute: {error}", file=sys.stderr)
            return 1
    if not recorded:
        print(f"  {args.invoice}: the dispute is already {action}; nothing recorded")
    elif action == "opened":
        print(f"  {args.invoice}: dispute opened on {args.on}; its dunning pauses until it is resolved")
    else:
        print(f"  {args.invoice}: dispute resolved on {args.on}; dunning resumes at the next evaluation")
    return 0


def write_off(args: argparse.Namespace) -> int:
    """Write off what a document still owes, with finance's reason."""
    from orchestration.close.ledger import LedgerError
    from orchestration.receivables.write_offs import in_units
    from orchestration.receivables.write_offs import write_off as record_write_off
    from orchestration.wiring.warehouse_setup import ensure_ledger

    with connect(Settings.from_env().duckdb_path) as con:
        ensure_ledger(con)
        try:
            done = record_write_off(
                con, args.invoice, args.on, args.why, args.by, beyond_tolerance=args.beyond_tolerance
            )
        except LedgerError as error:
            print(f"meterline write-off: {error}", file=sys.stderr)
            return 1
        if done is None:
            print(f"  {args.invoice}: nothing is owed on {args.on}; nothing recorded")
            return 0
        amount = in_units(con, done.amount_minor, done.currency_code)
    print(f"  {args.invoice}: {amount} written off on {args.on} ({done.match_rule})")
    return 0


def ledger_command(args: argparse.Namespace) -> int:
    """approve / void / adjust / export: change the ledger, then rewrite the affected exports."""
    from orchestration.close import approval, corrections
    from orchestration.close.ledger import ClosedPeriodError, LedgerError, is_closed
    from orchestration.close.report import period_report
    from orchestration.close.verify import LedgerTamperedError, export_problems, refuse_if_tampered
    from orchestration.exports.views import ExportRefusedError
    from orchestration.exports.writer import write_exports
    from orchestration.wiring.warehouse_setup import ensure_ledger

    settings = prepare_environment(dbt_project=False)
    with connect(settings.duckdb_path) as con:
        ensure_ledger(con)
        # `export` of a period rewrites its files from the ledger, so it may repair their edits.
        restoring = args.period if args.command == "export" else None
        edited = export_problems(con, settings.exports_dir, restoring) if restoring else []
        try:
            refuse_if_tampered(con, settings.exports_dir, restoring)
            if args.command == "approve":
                if args.invoice:
                    periods = {approval.approve(con, args.invoice, args.by, args.note)[1]}
                else:
                    rules = approval_rules()
                    if args.rule not in rules:
                        known = ", ".join(sorted(rules))
                        raise LedgerError(f"unknown approval rule {args.rule!r}; the rules are {known}")
                    approved = approval.approve_held(con, args.period, args.rule, args.by, args.note)
                    print(f"  approved {len(approved)} document(s) held only for {args.rule}")
                    periods = {args.period}
            elif args.command == "void":
                credit, replacement = corrections.void(con, args.invoice, args.by, args.why)
                print(f"  {args.invoice} voided: credit note {credit}, replacement {replacement}")
                row = con.execute(
                    "select billing_period from ledger.invoices where invoice_number = ?", [credit]
                ).fetchone()
                periods = {str(row[0])} if row else set()
            elif args.command == "adjust":
                notes = corrections.adjust(con, args.period, args.reason, args.by, args.why)
                for note in notes:
                    print(f"  {note.document_type} {note.invoice_number} for {note.customer_id}")
                if not notes:
                    print(f"  no difference between the rebuilt {args.period} and its closed invoices")
                periods = {note.billing_period for note in notes}
            else:
                if not is_closed(con, args.period):
                    raise LedgerError(f"period {args.period} is not closed; close it first: meterline close")
                periods = {args.period}
        except (LedgerError, ClosedPeriodError, LedgerTamperedError, ValueError) as error:
            print(f"meterline {args.command}: {error}", file=sys.stderr)
            return 1
        for period in sorted(periods):
            if is_closed(con, period):
                try:
                    manifest = write_exports(con, period, settings.exports_dir)
                except ExportRefusedError as refused:
                    print(f"meterline {args.command}: {period} not exported: {refused}", file=sys.stderr)
                    return 1
                record_export(period, settings.exports_dir, manifest, args.command)
            print(period_report(con, period, settings.exports_dir))
        for problem in edited:
            print(f"  restored from the ledger: {problem}")
        print_unfinished(con, settings.exports_dir)
    return 0


def print_unfinished(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> None:
    """Work an interrupted command left half done (a closed period without exports, or with
    exports older than an approval), each with the command that finishes it."""
    from orchestration.close.verify import has_ledger, unfinished_exports

    if has_ledger(con):
        for problem in unfinished_exports(con, exports_dir):
            print(f"  unfinished: {problem}")


def verify_command(args: argparse.Namespace) -> int:
    """Recompute every close's hashes and the export manifests; 1 and the differences on a mismatch."""
    from orchestration.close.verify import has_ledger, verify

    settings = prepare_environment(dbt_project=False)
    if not settings.duckdb_path.exists():
        print(f"meterline verify: no warehouse at {settings.duckdb_path}", file=sys.stderr)
        return 1
    with connect(settings.duckdb_path, read_only=True) as con:
        if not has_ledger(con):
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


def record_export(period: str, exports_dir: Path, manifest: dict[str, object], command: str) -> None:
    """Record the rewritten exports as a materialisation of `exports/invoice_export`, so the
    Dagster UI shows what `meterline <command>` changed, as it shows the close's own run."""
    from dagster import AssetMaterialization

    from orchestration.exports.metadata import export_metadata
    from orchestration.wiring.event_log_storage import open_instance

    with open_instance() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=["exports", "invoice_export"],
                partition=period,
                description=f"rewritten by meterline {command}",
                metadata=export_metadata(manifest, exports_dir / period),
            )
        )


def _document_event_arguments(
    parser: argparse.ArgumentParser, *, invoice: str, by: str, why: str, on: str
) -> None:
    """--invoice, --by, --why and --on, for a command recording an event on one document."""
    parser.add_argument("--invoice", required=True, help=invoice)
    parser.add_argument("--by", required=True, help=by)
    parser.add_argument("--why", required=True, help=why)
    parser.add_argument("--on", type=date.fromisoformat, default=datetime.now(UTC).date(), help=on)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="meterline", description=__doc__)
    parser.add_argument("--version", action="version", version=f"meterline {version('meterline')}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = commands.add_parser("demo", help="demo data").add_subparsers(
        dest="demo_command", required=True, parser_class=Parser
    )
    generate = demo.add_parser("generate", help="write a demo month into landing/ and truth/")
    generate.add_argument("--period", default="2026-10", type=_period, help="billing period YYYY-MM")
    generate.add_argument("--seed", type=int, default=7, help="random seed (same seed, same files)")
    generate.add_argument("--scale", type=float, default=1.0, help="multiplies jobs, containers, meters")
    generate.add_argument(
        "--out", type=Path, default=PROJECT_DIR, help="folder that receives landing/ and truth/"
    )
    generate.add_argument(
        "--no-vendor-defects", action="store_true", help="clean vendor bills: no vendor defect, no cost burst"
    )

    statements = demo.add_parser(
        "statements",
        help="write the bank statements paying a closed demo month's sent invoices, and their truth",
    )
    statements.add_argument("--period", default="2026-10", type=_period, help="billing period YYYY-MM")
    statements.add_argument(
        "--out", type=Path, default=PROJECT_DIR, help="folder that receives landing/bank/ and truth/"
    )

    run = commands.add_parser(
        "run", help="run the monthly billing job for one period, or each period of a range in order"
    )
    run.add_argument("--period", type=_period, help="billing period YYYY-MM (default 2026-10, the demo's)")
    run.add_argument("--from", dest="first", type=_period, help="first period of a range (with --to)")
    run.add_argument("--to", dest="last", type=_period, help="last period of a range (with --from)")

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
    void.add_argument("--invoice", required=True, help="number of the issued invoice to void")
    void.add_argument("--by", required=True, help="who voids it")
    void.add_argument("--why", required=True, help="why, kept in the ledger's audit log")

    adjust = commands.add_parser("adjust", help="issue debit/credit notes for a re-rated closed period")
    adjust.add_argument("--period", required=True, type=_period, help="the closed period that was rebuilt")
    adjust.add_argument(
        "--reason", required=True, help="a reason of seeds/close/adjustment_reasons.csv, e.g. late_usage"
    )
    adjust.add_argument("--by", required=True, help="who issues the notes")
    adjust.add_argument("--why", required=True, help="why, kept in the ledger's audit log")

    export = commands.add_parser("export", help="rewrite a closed period's exports from the ledger")
    export.add_argument("--period", required=True, type=_period, help="the closed billing period YYYY-MM")

    dunned = commands.add_parser(
        "dunning", help="evaluate dunning stages as of a date; record changes, write the suspensions hand-off"
    )
    dunned.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=datetime.now(UTC).date(),
        help="YYYY-MM-DD (default today, UTC)",
    )
    dunned.add_argument("--by", default=os.environ.get("USER", "meterline"), help="who runs the evaluation")

    disputing = commands.add_parser(
        "dispute", help="record that a customer disputes a document (its dunning pauses), or resolve it"
    )
    _document_event_arguments(
        disputing,
        invoice="number of the disputed invoice or debit note",
        by="who records it",
        why="what the customer disputes, or how it was settled",
        on="YYYY-MM-DD the dispute was opened or resolved (default today, UTC)",
    )
    disputing.add_argument("--resolve", action="store_true", help="resolve the open dispute")

    writing_off = commands.add_parser(
        "write-off", help="write off what a document still owes (a bank fee left short, or a bad debt)"
    )
    _document_event_arguments(
        writing_off,
        invoice="number of the invoice or debit note",
        by="who approves it",
        why="why it is given up",
        on="YYYY-MM-DD the write-off counts from (default today, UTC)",
    )
    writing_off.add_argument(
        "--beyond-tolerance",
        action="store_true",
        help="allow more than the currency's bank-fee tolerance (a bad debt)",
    )

    checking = commands.add_parser("verify", help="recompute the closes' hashes and the export manifests")
    checking.add_argument("--period", type=_period, help="only this closed period (default: all)")

    args = parser.parse_args(argv)
    if args.command == "demo" and args.demo_command == "statements":
        return demo_statements(args)
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
    targets = [
        f"--{key.replace('_', '-')} {getattr(args, key)}"
        for key in ("period", "first", "last", "invoice", "as_of")
        if getattr(args, key, None)
    ]
    described = " ".join([args.command, *targets])
    try:
        with writer_lock(Settings.from_env().duckdb_path, described):
            if args.command == "run":
                return run_periods(parser, args)
            if args.command == "close":
                return close(args)
            if args.command == "dunning":
                return dunning(args)
            if args.command == "dispute":
                return dispute(args)
            if args.command == "write-off":
                return write_off(args)
            return ledger_command(args)
    except (WarehouseBusyError, WarehouseHeldError) as error:
        print(f"meterline {args.command}: {error}", file=sys.stderr)
        return 1


def approval_rules() -> set[str]:
    """The hold reasons of the approval policy (seeds/close/approval_policy.csv)."""
    policy = PROJECT_DIR / "seeds" / "close" / "approval_policy.csv"
    with policy.open(encoding="utf-8", newline="") as handle:
        return {row["rule_id"] for row in csv.DictReader(handle)}


class Parser(argparse.ArgumentParser):
    """Argument mistakes are one line on stderr and exit code 2, before any work starts."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _period(value: str) -> str:
    """A billing period argument: YYYY-MM within the billable range (it is used in paths and SQL)."""
    from orchestration.wiring.periods import PeriodError, checked_period

    try:
        return checked_period(value)
    except PeriodError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    sys.exit(main())
