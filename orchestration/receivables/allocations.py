"""Record the matching's allocations in the append-only ledger.

The matching (intermediate.int_receivables__matched) is recomputed from every bank entry
and document; this step appends its differences to ledger.allocations in one transaction
(sql/record_allocations.sql): new allocations, and reversals of recorded ones it no longer
proposes (a returned payment, a document the matching now pays from another entry). A row
is never edited, so the ledger shows every allocation ever made and how it was undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.close.ledger import audit, now
from orchestration.wiring.sql_files import sql_file

# DuckDB binds parameters to one statement at a time: the file's statements run one by one,
# each given the parameters it names (comments, which name them all, left out).
_RECORD_SQL = "\n".join(
    line
    for line in sql_file(__file__, "record_allocations").splitlines()
    if not line.lstrip().startswith("--")
)
RECORD_STATEMENTS = [statement for statement in _RECORD_SQL.split(";\n") if statement.strip()]
MATCHED = "intermediate.int_receivables__matched"


@dataclass(frozen=True)
class RecordedAllocations:
    appended: int
    reversed: int


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    row = con.execute(f"select count(*) from ledger.allocations where {where}").fetchone()
    return int(row[0]) if row else 0


def record_allocations(
    con: duckdb.DuckDBPyConnection, recorded_by: str, recorded_on: date | None = None
) -> RecordedAllocations:
    """Append the matching's new allocations and the reversals of withdrawn ones; idempotent."""
    recorded_at = now()
    con.execute("begin transaction")
    try:
        before_new = _count(con, "reverses_allocation_id is null")
        before_reversed = _count(con, "reverses_allocation_id is not null")
        con.execute(f"create or replace temp table proposed_allocations as select * from {MATCHED}")
        parameters = {
            "recorded_by": recorded_by,
            "recorded_at": recorded_at,
            "recorded_on": recorded_on or recorded_at.date(),
        }
        for statement in RECORD_STATEMENTS:
            con.execute(statement, {k: v for k, v in parameters.items() if f"${k}" in statement})
        result = RecordedAllocations(
            appended=_count(con, "reverses_allocation_id is null") - before_new,
            reversed=_count(con, "reverses_allocation_id is not null") - before_reversed,
        )
        if result.appended or result.reversed:
            audit(
                con, recorded_by, "record_allocations", None, None,
                {"appended": result.appended, "reversed": result.reversed},
            )  # fmt: skip
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result
