"""Each check has one owner: dbt tests guard the marts' structure (keys, not-null columns),
the Great Expectations gates guard what finance relies on. The gates of the invoice marts hold
no check a dbt test of the same mart already makes, and the invoice header's gross = net + tax
is a blocking gate."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from orchestration.gates.suites import load_suite, run_suite

PROJECT_DIR = Path(__file__).resolve().parent.parent
INVOICING_YAML = PROJECT_DIR / "models/marts/invoicing/_invoicing__models.yml"


def _dbt_structure_checks(model: str) -> set[tuple[str, str]]:
    """(check, column) of the dbt tests that guard `model`: its column rules' unique and not_null."""
    models = {m["name"]: m for m in yaml.safe_load(INVOICING_YAML.read_text())["models"]}
    checks: set[tuple[str, str]] = set()
    for test in models[model].get("data_tests", []):
        if isinstance(test, dict) and "column_rules" in test:
            rules = test["column_rules"]["arguments"]
            checks |= {("not_null", c) for c in rules.get("not_null", [])}
            checks |= {("unique", c) for c in rules.get("unique", []) if isinstance(c, str)}
    return checks


GX_AS_DBT = {
    "expect_column_values_to_be_unique": "unique",
    "expect_column_values_to_not_be_null": "not_null",
}


def test_invoice_gates_repeat_no_dbt_structure_test() -> None:
    for model in ("fct_invoice_lines", "fct_invoices"):
        dbt_checks = _dbt_structure_checks(model)
        assert ("unique", "invoice_id" if model == "fct_invoices" else "invoice_line_id") in dbt_checks
        gx_checks = {
            (GX_AS_DBT[e["type"]], e["kwargs"]["column"])
            for e in load_suite(model)["expectations"]
            if e["type"] in GX_AS_DBT
        }
        assert gx_checks & dbt_checks == set(), model


def _invoice_warehouse(path: Path, headers: list[tuple[str, str, str, str, str]]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_invoices (invoice_id varchar, billing_period varchar, "
            "net_amount decimal(18, 2), tax_amount decimal(18, 2), gross_amount decimal(18, 2))"
        )
        con.executemany("insert into marts.fct_invoices values (?, ?, ?, ?, ?)", headers)
    return path


def test_invoice_header_gate_blocks_gross_that_is_not_net_plus_tax(tmp_path: Path) -> None:
    # GX keeps its connection for the life of the process: each file is written before it validates
    wrong = _invoice_warehouse(
        tmp_path / "wrong.duckdb",
        [
            ("INV-1", "2026-10", "100.00", "20.00", "120.00"),
            ("INV-2", "2026-10", "100.01", "20.00", "120.00"),
            ("INV-3", "2026-09", "1.00", "0.00", "9.99"),
        ],
    )
    october = run_suite(wrong, "fct_invoices", "2026-10")
    assert not october.success
    # INV-3 belongs to September: October's gate does not count it, September's fails on it
    assert [outcome.unexpected_count for outcome in october.failures] == [1]
    assert "1 unexpected" in october.failures[0].describe()
    assert not run_suite(wrong, "fct_invoices", "2026-09").success
    right = _invoice_warehouse(
        tmp_path / "right.duckdb",
        [("INV-1", "2026-10", "100.00", "20.00", "120.00"), ("INV-2", "2026-10", "-5.00", "-1.05", "-6.05")],
    )
    assert run_suite(right, "fct_invoices", "2026-10").success
