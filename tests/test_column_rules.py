"""The project's `column_rules` dbt test (tests/dbt/generic): one node for a model's not-null,
unique and accepted-values rules, which passes on clean rows and names each broken rule with its
column and how many rows (or repeated values) break it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.dbt_support import WAREHOUSE_NAME, dbt

SEEDS = ("energy_sites", "document_labels")
SELECTION = ("--select", *(f"{seed},test_name:column_rules" for seed in SEEDS))


def _relation(con: duckdb.DuckDBPyConnection, table: str) -> str:
    (schema,) = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [table]
    ).fetchone() or ("",)
    return f"{schema}.{table}"


def _failures(con: duckdb.DuckDBPyConnection, seed: str) -> list[tuple[str, str, int]]:
    """The stored failures of `seed`'s column_rules test: (column, rule, failing count)."""
    (table,) = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables where table_name like ?",
        [f"column_rules_{seed}%"],
    ).fetchone() or ("",)
    return con.execute(f"select column_name, rule, failing_count from {table} order by 1, 2").fetchall()


def test_each_broken_rule_fails_the_test_naming_its_column_and_count(tmp_path: Path) -> None:
    warehouse = tmp_path / WAREHOUSE_NAME
    seeded = dbt(warehouse, tmp_path, "seed", "--select", *SEEDS)
    assert seeded.returncode == 0, seeded.stdout
    clean = dbt(warehouse, tmp_path, "test", *SELECTION)
    assert clean.returncode == 0, clean.stdout
    assert "PASS=2 " in clean.stdout

    with duckdb.connect(str(warehouse)) as con:
        sites = _relation(con, SEEDS[0])
        con.execute(f"update {sites} set country_code = null where site_id in ('osl1', 'hel1')")
        con.execute(
            f"update {sites} set timezone = null, reading_format = 'hourly_csv' where site_id = 'osl1'"
        )
        # a repeated site id, and two null ones: as dbt's `unique`, a single column's rule leaves
        # nulls to `not_null`, so the two nulls are not a repeated value
        con.execute(f"update {sites} set site_id = 'osl1' where site_id = 'hel1'")
        con.execute(f"update {sites} set site_id = null where site_id in ('add1', 'cgk1')")
        labels = _relation(con, SEEDS[1])
        # a combination counts a null as a value: two rows of (label.number, null) repeat it
        con.execute(f"update {labels} set language_code = null where text_key = 'label.number'")

    broken = dbt(warehouse, tmp_path, "test", *SELECTION, "--store-failures")
    assert broken.returncode == 1, broken.stdout
    assert "ERROR=2 " in broken.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _failures(con, SEEDS[0]) == [
            ("country_code", "not_null", 2),
            ("reading_format", "accepted_values", 1),
            ("site_id", "not_null", 2),
            ("site_id", "unique", 1),
            ("timezone", "not_null", 1),
        ]
        assert _failures(con, SEEDS[1]) == [
            ("language_code", "not_null", 2),
            ("text_key, language_code", "unique", 1),
        ]
