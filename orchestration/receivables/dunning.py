"""Dunning evaluations: each overdue document's stage as of a date, recorded in the ledger as
changes, and the operations hand-off of the machines to pause and to resume.

An evaluation (the `daily_dunning` job, `meterline dunning --as-of`) builds the receivables
marts as of its date (the dbt models decide the stages, models/marts/receivables/), then:
- appends each document whose stage moved to ledger.dunning_stage_changes, with the rule that
  moved it (sql/record_dunning_stage_changes.sql);
- writes `suspensions/<date>.csv` and `.json` under the exports folder from
  marts.rpt_suspensions: what to pause and what to resume on that date.
The same ledger and date give the same rows and the same bytes. A date before the last one
recorded is refused: the stage history runs forward, as the notices it stands for were sent.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.close.ledger import audit, now
from orchestration.wiring.periods import checked_period
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction

SUSPENSIONS_FOLDER = "suspensions"
HANDOFF_COLUMNS = (
    "as_of_date",
    "action",
    "customer_id",
    "subject_type",
    "subject_id",
    "assignment_id",
    "invoice_numbers",
    "oldest_due_date",
)


class DunningRefusedError(RuntimeError):
    """An evaluation that cannot run as asked (a date before the last one recorded)."""


def evaluation_period(as_of: date) -> str:
    """The billing period the evaluation's rows are kept under: the last month ended by the
    as-of date (its midnight), so the monthly run of that period and the evaluations after it
    share one partition of the receivables marts."""
    return checked_period((as_of.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))


def refuse_before_last(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    row = con.execute("select max(as_of_date) from ledger.dunning_stage_changes").fetchone()
    last = row[0] if row else None
    if last is not None and as_of < last:
        raise DunningRefusedError(
            f"dunning was already evaluated as of {last}; an earlier date ({as_of}) would rewrite "
            "the stages the later evaluation recorded"
        )


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    period: str
    stages: dict[str, int]
    changes: int
    suspend: list[tuple[str, int]]
    lift: list[tuple[str, int]]
    files: tuple[Path, Path]
    # Every bank credit so far by outcome, and each currency's unapplied cash in minor units.
    entries: dict[str, int]
    unapplied: dict[str, int]
    # The documents sent by the date, by status, and each currency's open amount in minor units.
    statuses: dict[str, int]
    open_minor: dict[str, int]


def record_stage_changes(con: duckdb.DuckDBPyConnection, as_of: date, period: str, recorded_by: str) -> int:
    """Append the stage changes of the evaluation built for `period` as of `as_of`; idempotent."""
    built = con.execute(
        "select distinct as_of_date from marts.fct_receivables where billing_period = ?", [period]
    ).fetchall()
    if built and built != [(as_of,)]:
        raise DunningRefusedError(f"the receivables of {period} were built as of {built}, not {as_of}")
    with transaction(con):
        before = _count(con)
        con.execute(
            sql_file(__file__, "record_dunning_stage_changes"),
            {"period": period, "as_of": as_of, "recorded_by": recorded_by, "recorded_at": now()},
        )
        appended = _count(con) - before
        if appended:
            audit(con, recorded_by, "record_dunning_stages", period, as_of.isoformat(), {"changes": appended})
    return appended


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select count(*) from ledger.dunning_stage_changes").fetchone()
    return int(row[0]) if row else 0


def write_handoff(
    con: duckdb.DuckDBPyConnection, as_of: date, period: str, exports_dir: Path
) -> tuple[Path, Path]:
    """`suspensions/<date>.csv` (one row per subject and action) and `.json` (per customer),
    written whole or not at all; an evaluation with nothing to pause still writes them."""
    rows = con.execute(
        f"""
        select {", ".join(HANDOFF_COLUMNS)} from marts.rpt_suspensions
        where billing_period = ? and as_of_date = ?
        order by action desc, customer_id, subject_type, subject_id, assignment_id
        """,
        [period, as_of],
    ).fetchall()
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(HANDOFF_COLUMNS)
    writer.writerows(["" if value is None else str(value) for value in row] for row in rows)
    customers: dict[tuple[str, str], dict[str, object]] = {}
    subjects: dict[tuple[str, str], list[dict[str, str]]] = {}
    for _, action, customer, subject_type, subject_id, assignment_id, numbers, oldest in rows:
        key = (action, customer)
        customers.setdefault(
            key,
            {
                "customer_id": customer,
                "invoice_numbers": numbers.split(", "),
                "oldest_due_date": oldest.isoformat(),
                "subjects": subjects.setdefault(key, []),
            },
        )
        subjects[key].append(
            {"subject_type": subject_type, "subject_id": subject_id, "assignment_id": assignment_id}
        )
    document = {
        "as_of_date": as_of.isoformat(),
        "billing_period": period,
        **{
            action: [entry for (kind, _), entry in customers.items() if kind == action]
            for action in ("suspend", "lift")
        },
    }
    paths = handoff_paths(exports_dir, as_of)
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for path, text in zip(paths, (table.getvalue(), json.dumps(document, indent=2) + "\n"), strict=True):
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    return paths


def handoff_paths(exports_dir: Path, as_of: date) -> tuple[Path, Path]:
    folder = exports_dir / SUSPENSIONS_FOLDER
    return folder / f"{as_of.isoformat()}.csv", folder / f"{as_of.isoformat()}.json"


def evaluation_summary(
    con: duckdb.DuckDBPyConnection, as_of: date, period: str, changes: int, exports_dir: Path
) -> Evaluation:
    stages = dict(
        con.execute(
            """
            select dunning_stage, count(*) from marts.fct_dunning_stages
            where billing_period = ? group by dunning_stage order by min(stage_order)
            """,
            [period],
        ).fetchall()
    )
    handoff = con.execute(
        """
        select action, customer_id, count(*) from marts.rpt_suspensions
        where billing_period = ? group by action, customer_id order by action, customer_id
        """,
        [period],
    ).fetchall()
    entries = dict(
        con.execute(
            "select entry_state, count(*) from intermediate.int_receivables__entry_outcomes "
            "group by entry_state order by entry_state"
        ).fetchall()
    )
    unapplied = dict(
        con.execute(
            "select currency_code, sum(unapplied_minor) from intermediate.int_receivables__entry_outcomes "
            "where entry_state in ('partly_applied', 'unapplied') "
            "group by currency_code order by currency_code"
        ).fetchall()
    )
    statuses = dict(
        con.execute(
            "select receivable_status, count(*) from marts.fct_receivables where billing_period = ? "
            "group by receivable_status order by receivable_status",
            [period],
        ).fetchall()
    )
    open_minor = dict(
        con.execute(
            "select currency_code, sum(open_minor) from marts.fct_receivables "
            "where billing_period = ? and open_minor > 0 group by currency_code order by currency_code",
            [period],
        ).fetchall()
    )
    return Evaluation(
        as_of=as_of,
        period=period,
        stages=stages,
        changes=changes,
        suspend=[(customer, subjects) for action, customer, subjects in handoff if action == "suspend"],
        lift=[(customer, subjects) for action, customer, subjects in handoff if action == "lift"],
        files=handoff_paths(exports_dir, as_of),
        entries=entries,
        unapplied={currency: int(minor) for currency, minor in unapplied.items()},
        statuses=statuses,
        open_minor={currency: int(minor) for currency, minor in open_minor.items()},
    )
