"""The project's `not_null_columns` dbt test (tests/dbt/generic): one node for a model's required
columns, which passes on complete rows and names each column holding a null."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.dbt_support import WAREHOUSE_NAME, dbt

SEED = "energy_sites"
SELECTION = ("--select", f"{SEED},test_name:not_null_columns")


def test_a_null_fails_the_test_naming_each_column_and_its_rows(tmp_path: Path) -> None:
    warehouse = tmp_path / WAREHOUSE_NAME
    seeded = dbt(warehouse, tmp_path, "seed", "--select", SEED)
    assert seeded.returncode == 0, seeded.stdout
    complete = dbt(warehouse, tmp_path, "test", *SELECTION)
    assert complete.returncode == 0, complete.stdout
    assert "PASS=1 " in complete.stdout

    with duckdb.connect(str(warehouse)) as con:
        (schema,) = con.execute(
            "select table_schema from information_schema.tables where table_name = ?", [SEED]
        ).fetchone() or ("",)
        sites = f"{schema}.{SEED}"
        con.execute(f"update {sites} set country_code = null where site_id in ('osl1', 'hel1')")
        con.execute(f"update {sites} set timezone = null where site_id = 'osl1'")

    broken = dbt(warehouse, tmp_path, "test", *SELECTION, "--store-failures")
    assert broken.returncode == 1, broken.stdout
    # One failing test, with one result per column holding a null.
    assert "ERROR=1 " in broken.stdout and "Got 2 results" in broken.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (failures,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            f" where table_name like 'not_null_columns_{SEED}%'"
        ).fetchone() or ("",)
        rows = con.execute(f"select column_name, null_rows from {failures} order by 1").fetchall()
    assert rows == [("country_code", 2), ("timezone", 1)]
