"""DuckDB-only SQL lives in one folder of dispatched macros, so another adapter ports by adding its own.

The models and every other macro reach HUGEINT, integer division, list functions and unnest
only through `macros/portability/`; QUALIFY and ASOF joins are not used at all (a filter on a
window and a range join say the same portably). Reads the project's files and the manifest
tests/conftest.py writes (dbt parse) before the tests start.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PORTABILITY_DIR = PROJECT_DIR / "macros" / "portability"

# construct -> pattern, searched in SQL text outside comments
ANYWHERE = {
    "HUGEINT": re.compile(r"\bhugeint\b", re.IGNORECASE),
    "QUALIFY": re.compile(r"\bqualify\b", re.IGNORECASE),
    "ASOF join": re.compile(r"\basof\s+(?:left\s+)?join\b", re.IGNORECASE),
}
# searched outside Jinja statements too: there `range(` and `//` are Jinja's own
OUTSIDE_JINJA_STATEMENTS = {
    "list function": re.compile(
        r"\b(?:list_\w+|array_to_string|unnest|generate_series|range)\s*\(", re.IGNORECASE
    ),
    "integer division //": re.compile(r"//"),
}
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.DOTALL)
JINJA_STATEMENTS = re.compile(r"\{%.*?%\}", re.DOTALL)
# the portability macros are called by name (list_map(...)); only DuckDB's own names count
PORTABLE_NAMES = re.compile(
    r"\blist_(?:map|keep|total|all|count_not_null|join|to_text|rows|of_indexes|of_steps)\s*\(",
    re.IGNORECASE,
)


def duckdb_only_constructs(sql: str) -> list[str]:
    """The DuckDB-only constructs a piece of model or macro SQL writes outside its comments."""
    text = COMMENTS.sub(" ", sql)
    sql_text = PORTABLE_NAMES.sub(" ", JINJA_STATEMENTS.sub(" ", text))
    return [name for name, pattern in ANYWHERE.items() if pattern.search(text)] + [
        name for name, pattern in OUTSIDE_JINJA_STATEMENTS.items() if pattern.search(sql_text)
    ]


def _sql_files() -> list[Path]:
    files = sorted((PROJECT_DIR / "models").rglob("*.sql")) + sorted((PROJECT_DIR / "macros").rglob("*.sql"))
    return [path for path in files if PORTABILITY_DIR not in path.parents]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select cast(amount as hugeint) as amount", ["HUGEINT"]),
        ("select a from t qualify row_number() over (order by a) = 1", ["QUALIFY"]),
        ("select * from a asof join b on a.t >= b.t", ["ASOF join"]),
        ("select list_sum(list_transform(xs, lambda x: x.n)) from t", ["list function"]),
        ("select unnest([1, 2]) as n", ["list function"]),
        ("select held_ms // 1000 as held_s", ["integer division //"]),
        ("select {{ list_total(list_map('xs', 'x', 'x.n')) }} as n", []),
        ("{%- do parts.append(months // 12) -%} select 1 -- a hugeint in a comment", []),
    ],
)
def test_the_check_names_each_duckdb_only_construct(sql: str, expected: list[str]) -> None:
    assert duckdb_only_constructs(sql) == expected


def test_models_and_macros_write_no_duckdb_only_construct_outside_the_portability_macros() -> None:
    files = _sql_files()
    assert len(files) > 100
    found = {
        str(path.relative_to(PROJECT_DIR)): constructs
        for path in files
        if (constructs := duckdb_only_constructs(path.read_text(encoding="utf-8")))
    }
    assert not found, f"DuckDB-only SQL outside macros/portability: {found}"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads((PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_every_dispatched_macro_has_its_duckdb_form(manifest: dict[str, Any]) -> None:
    macros = {
        macro["name"]: macro
        for macro in manifest["macros"].values()
        if macro["package_name"] == "meterline"
        and Path(macro["original_file_path"]).parent == Path("macros/portability")
    }
    dispatched = [name for name, macro in macros.items() if "adapter.dispatch(" in macro["macro_sql"]]
    assert len(dispatched) >= 10
    for name in dispatched:
        assert f"adapter.dispatch('{name}', 'meterline')" in macros[name]["macro_sql"]
    assert sorted(f"duckdb__{name}" for name in dispatched) == sorted(
        name for name in macros if name.startswith("duckdb__")
    )
