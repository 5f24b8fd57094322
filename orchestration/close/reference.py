"""Close policy declared in seeds/close/*.csv, loaded as temporary DuckDB tables.

The CSV files are the source of truth (also seeded by dbt into `policy` for analysts); the
close reads them directly so that it never depends on a dbt build having seeded them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.wiring.settings import PROJECT_DIR

CLOSE_SEEDS_DIR = PROJECT_DIR / "seeds" / "close"

SEEDS = {
    "issuing_entities": "select *, cast(payment_terms_days as integer) as terms_days from src",
    "approval_policy": (
        "select rule_id, currency_code, cast(threshold_amount as decimal(18, 2)) as threshold_amount, "
        "cast(is_enabled as boolean) as is_enabled, description from src"
    ),
    "accounting_orgs": "select * from src",
    "accounting_tax_types": "select * from src",
    "gl_accounts": "select * from src",
    "invoice_texts": "select * from src",
    "adjustment_reasons": "select * from src",
}


def load_close_reference(con: duckdb.DuckDBPyConnection, seeds_dir: Path = CLOSE_SEEDS_DIR) -> None:
    """Create temp tables `close_<seed>` with every seed read as text, then typed."""
    for name, typed in SEEDS.items():
        path = seeds_dir / f"{name}.csv"
        con.execute(
            f"create or replace temp table close_{name} as "
            f"with src as (select * from read_csv('{path}', header = true, all_varchar = true, "
            f"delim = ',', quote = '\"')) {typed}"
        )


def reason_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select reason_code from close_adjustment_reasons").fetchall()}
