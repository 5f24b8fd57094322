"""The project's `not_null_columns` dbt test (tests/dbt/generic): one node for all of a model's
required columns, which passes on complete rows and names each column holding a null."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.dbt_support import WAREHOUSE_NAME, dbt

SELECTION = ("--select", "currencies,test_name:not_null_columns")


def test_a_null_fails_the_test_naming_each_column_and_its_rows(tmp_path: Path) -> None:
    warehouse = tmp_path / WAREHOUSE_NAME
    seeded = dbt(warehouse, tmp_path, "seed", "--select", "currencies")
    assert seeded.returncode == 0, seeded.stdout
    complete = dbt(warehouse, tmp_path, "test", *SELECTION)
    assert complete.returncode == 0, complete.stdout
    assert "PASS=1 " in complete.stdout

    with duckdb.connect(str(warehouse)) as con:
        (schema,) = con.execute(
            "select table_schema from information_schema.tables where table_name = 'currencies'"
        ).fetchone() or ("",)
        con.execute(
            f"update {schema}.currencies set minor_units = null where currency_code in ('EUR', 'USD')"
        )
        con.execute(f"update {schema}.currencies set currency_code = null where currency_code = 'NOK'")

    broken = dbt(warehouse, tmp_path, "test", *SELECTION, "--store-failures")
    assert broken.returncode == 1, broken.stdout
    # One failing test, with one result per column holding a null.
    assert "ERROR=1 " in broken.stdout and "Got 2 results" in broken.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (failures,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_name like 'not_null_columns_currencies%'"
        ).fetchone() or ("",)
        rows = con.execute(f"select column_name, null_rows from {failures} order by 1").fetchall()
    assert rows == [("currency_code", 1), ("minor_units", 2)]
