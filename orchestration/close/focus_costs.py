"""Freeze a closing period's vendor costs (FOCUS terms) into the ledger, and check them later.

The FOCUS export of a closed period must not change when the period's marts do: a later
`meterline run` of a closed period (how late data is found before `meterline adjust`)
replaces its rows in marts.fct_focus_costs. So the close copies them into
`ledger.focus_costs` inside its transaction, and records their count and a hash in
`ledger.focus_cost_freezes`; the export reads only that copy.
"""

from __future__ import annotations

import duckdb

from orchestration.wiring.sql_files import sql_file

# The count and canonical hash of one close's frozen rows, recorded at close and recomputed by verify.
FROZEN_SHA256_SQL = sql_file(__file__, "frozen_focus_costs_digest")


def freeze_focus_costs(con: duckdb.DuckDBPyConnection, period: str, close_id: str) -> int:
    """Copy the period's marts.fct_focus_costs rows into the ledger (inside the close); their count."""
    con.execute(
        """
        insert into ledger.focus_costs by name
        select $close_id as close_id, * from marts.fct_focus_costs where billing_period = $period
        """,
        {"close_id": close_id, "period": period},
    )
    row = con.execute(FROZEN_SHA256_SQL, {"close_id": close_id}).fetchone()
    count, digest = (int(row[0]), str(row[1])) if row else (0, "")
    con.execute(
        "insert into ledger.focus_cost_freezes values (?, ?, ?, ?)", [period, close_id, count, digest]
    )
    return count


def frozen_close_id(con: duckdb.DuckDBPyConnection, period: str) -> str | None:
    """The close whose frozen vendor costs the period exports; None for a close made before the freeze."""
    row = con.execute(
        "select close_id from ledger.focus_cost_freezes where billing_period = ?", [period]
    ).fetchone()
    return str(row[0]) if row else None


def focus_cost_problems(con: duckdb.DuckDBPyConnection, period: str | None = None) -> list[str]:
    """Closed periods whose frozen vendor costs no longer match the count and hash of their close."""
    present = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'ledger' "
        "and table_name = 'focus_cost_freezes'"
    ).fetchone()
    if not present or not present[0]:
        # A ledger from before the freeze existed (opened read-only, so never extended).
        return []
    problems = []
    freezes = con.execute(
        "select billing_period, close_id, row_count, content_sha256 from ledger.focus_cost_freezes "
        "where $period is null or billing_period = $period order by 1",
        {"period": period},
    ).fetchall()
    for frozen_period, close_id, count, digest in freezes:
        row = con.execute(FROZEN_SHA256_SQL, {"close_id": close_id}).fetchone()
        if row is None or (int(row[0]), str(row[1])) != (int(count), str(digest)):
            problems.append(f"{frozen_period} ({close_id}): vendor costs (FOCUS) changed since the close")
    return problems
