"""Closing a period records the fingerprints of the policy versions it used, once."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from orchestration.rating_versions import COLUMNS, record_used_versions


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema intermediate")
    con.execute(
        "create table marts.fct_invoice_lines as select * from (values "
        "('2026-10', 'pl', 'gpu', 1, 'usage'), ('2026-10', 'pl', 'gpu', 2, 'usage'), "
        "('2026-10', 'pl', 'cpu', 1, 'discount'), ('2026-10', 'pl', 'platform_fee', 1, 'fee'), "
        "('2026-11', 'pl', 'gpu', 3, 'usage')"
        ") as t(billing_period, price_list_id, sku_id, price_list_version, line_type)"
    )
    con.execute(
        "create table intermediate.int_rate_card_versions__fingerprinted as select * from (values "
        "('price_list', 'pl', 1, 'f1'), ('price_list', 'pl', 2, 'f2'), ('price_list', 'pl', 3, 'f3'), "
        "('recurring_charge', 'pl/platform_fee', 1, 'c1')"
        ") as t(policy_kind, policy_id, version, fingerprint)"
    )
    return con


def test_records_each_used_version_once(tmp_path: Path) -> None:
    seed = tmp_path / "used_rate_card_versions.csv"
    seed.write_text(",".join(COLUMNS) + "\n")
    con = _warehouse()
    appended = record_used_versions(con, "2026-10", seed)
    assert [(r["policy_kind"], r["policy_id"], r["version"], r["fingerprint"]) for r in appended] == [
        ("price_list", "pl", "1", "f1"),
        ("price_list", "pl", "2", "f2"),
        ("recurring_charge", "pl/platform_fee", "1", "c1"),
    ]
    # Closing the next period adds only its new version, keeping the first closed period of the others.
    assert [r["version"] for r in record_used_versions(con, "2026-11", seed)] == ["3"]
    assert record_used_versions(con, "2026-10", seed) == []
    with seed.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["version"], r["first_closed_period"]) for r in rows] == [
        ("1", "2026-10"),
        ("2", "2026-10"),
        ("1", "2026-10"),
        ("3", "2026-11"),
    ]
