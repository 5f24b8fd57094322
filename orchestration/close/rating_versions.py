"""Record which billing-policy versions a closed period used (`ledger.rate_card_versions`).

The close calls `record_used_versions` inside its transaction, once the invoices are final; from
then on the dbt test `assert_used_rate_card_versions_are_unchanged` rejects any edit of those
versions' seed rows, so re-rating the period reproduces it (docs/rating.md).
"""

from __future__ import annotations

import duckdb

# Versions behind the period's invoice lines, with their current fingerprints.
USED_SQL = """
with used as (
    select distinct
        case when line_type in ('fee', 'true_up') then 'recurring_charge' else 'price_list' end
            as policy_kind,
        case when line_type in ('fee', 'true_up') then price_list_id || '/' || sku_id else price_list_id end
            as policy_id,
        price_list_version as version,
    from marts.fct_invoice_lines
    where billing_period = $period
)
select used.policy_kind, used.policy_id, used.version, versions.fingerprint
from used
left join intermediate.int_rate_card_versions__fingerprinted as versions
    using (policy_kind, policy_id, version)
order by all
"""


def record_used_versions(
    con: duckdb.DuckDBPyConnection, period: str, close_id: str
) -> list[tuple[str, str, int, str]]:
    """Record the period's versions not recorded by an earlier close; return the rows recorded."""
    rows = con.execute(USED_SQL, {"period": period}).fetchall()
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
