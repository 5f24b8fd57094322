"""Closing a period records the fingerprints of the policy versions it used, once, in the ledger."""

from __future__ import annotations

import duckdb

from orchestration.close.rating_versions import record_used_versions
from orchestration.wiring.warehouse_setup import ensure_ledger


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_ledger(con)
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


def test_records_each_used_version_once() -> None:
    con = _warehouse()
    assert record_used_versions(con, "2026-10", "CLS-000001") == [
        ("price_list", "pl", 1, "f1"),
        ("price_list", "pl", 2, "f2"),
        ("recurring_charge", "pl/platform_fee", 1, "c1"),
    ]
    # Closing the next period adds only its new version, keeping the first closed period of the others.
    assert record_used_versions(con, "2026-11", "CLS-000002") == [("price_list", "pl", 3, "f3")]
    assert record_used_versions(con, "2026-10", "CLS-000003") == []
    rows = con.execute(
        "select policy_id, version, first_closed_period, close_id from ledger.rate_card_versions order by all"
    ).fetchall()
    assert rows == [
        ("pl", 1, "2026-10", "CLS-000001"),
        ("pl", 2, "2026-10", "CLS-000001"),
        ("pl", 3, "2026-11", "CLS-000002"),
        ("pl/platform_fee", 1, "2026-10", "CLS-000001"),
    ]
