"""Record which billing-policy versions a closed period used (seeds/rating/used_rate_card_versions.csv).

The close of a period calls `record_used_versions` once the invoices are final and commits the
seed; from then on the dbt test `assert_used_rate_card_versions_are_unchanged` rejects any edit
of those versions, so re-rating the period reproduces it (docs/rating.md).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

USED_VERSIONS_SEED = Path(__file__).resolve().parents[1] / "seeds" / "rating" / "used_rate_card_versions.csv"
COLUMNS = ("policy_kind", "policy_id", "version", "fingerprint", "first_closed_period")

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
    con: duckdb.DuckDBPyConnection, period: str, seed_path: Path = USED_VERSIONS_SEED
) -> list[dict[str, str]]:
    """Append the period's not yet recorded versions to the seed; return the rows appended."""
    recorded: set[tuple[str, str, str]] = set()
    if seed_path.exists():
        with seed_path.open(newline="", encoding="utf-8") as handle:
            recorded = {(r["policy_kind"], r["policy_id"], r["version"]) for r in csv.DictReader(handle)}
    rows = con.execute(USED_SQL, {"period": period}).fetchall()
    missing = [kind_id_version for kind_id_version in rows if kind_id_version[3] is None]
    if missing:
        raise LookupError(f"no fingerprint for policy versions {missing}; build the warehouse first")
    new = [
        dict(zip(COLUMNS, (kind, policy_id, str(version), fingerprint, period), strict=True))
        for kind, policy_id, version, fingerprint in rows
        if (kind, policy_id, str(version)) not in recorded
    ]
    write_header = not seed_path.exists() or seed_path.stat().st_size == 0
    with seed_path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        if write_header:
            writer.writeheader()
        writer.writerows(new)
    return new
