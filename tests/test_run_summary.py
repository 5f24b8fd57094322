"""The run summary of a failed build names the failure and shows no figures from earlier runs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.summary import billing_summary


def test_a_failed_build_prints_its_cause_and_no_stale_figures(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        # An earlier run's marts: figures that this failed run did not produce.
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_invoices as select 'CUST-STALE' as customer_id, 'EUR' as currency_code, "
            "1 as line_count, 1.00 as net_amount, 0.20 as tax_amount, 1.20 as gross_amount, "
            "'2026-10' as billing_period"
        )
    failed = {"meterline_dbt_models": "dbt build failed: Malformed JSON in stg_gcp__billing"}
    text = billing_summary(database, "2026-10", {}, None, failed)
    assert "CUST-STALE" not in text
    assert "not shown, the run failed" in text
    assert "meterline_dbt_models  dbt build failed: Malformed JSON in stg_gcp__billing" in text
    # A fresh warehouse with no marts at all: the same summary, no catalog error.
    fresh = billing_summary(tmp_path / "fresh.duckdb", "2026-10", {}, None, failed)
    assert "not shown, the run failed" in fresh
