"""Record which billing-policy versions a closed period used (`ledger.rate_card_versions`).

The close calls `record_used_versions` inside its transaction, once the invoices are final; from
then on the dbt test `assert_used_rate_card_versions_are_unchanged` rejects any edit of those
versions' seed rows, so re-rating the period reproduces it (docs/rating.md).
"""

from __future__ import annotations

import duckdb

from orchestration.wiring.sql_files import sql_file


def record_used_versions(
    con: duckdb.DuckDBPyConnection, period: str, close_id: str
) -> list[tuple[str, str, int, str]]:
    """Record the period's versions not recorded by an earlier close; return the rows recorded."""
    rows = con.execute(sql_file(__file__, "used_policy_versions"), {"period": period}).fetchall()
    missing = [row[:3] for row in rows if row[3] is None]
    if missing:
        raise LookupError(f"no fingerprint for policy versions {missing}; build the warehouse first")
    recorded = {
        tuple(row)
        for row in con.execute(
            "select policy_kind, policy_id, version from ledger.rate_card_versions"
        ).fetchall()
    }
    new = [row for row in rows if tuple(row[:3]) not in recorded]
    if new:
        con.executemany(
            "insert into ledger.rate_card_versions values (?, ?, ?, ?, ?, ?)",
            [[*row, period, close_id] for row in new],
        )
    return [tuple(row) for row in new]
