"""A dispute pack's JSON, rendered by DuckDB, has the bytes Python's json module writes.

pack.json shows every usage row behind a discrepancy (tens of thousands of meter hours for a
power line), so DuckDB renders the rows in SQL instead of Python encoding them one by one. The
bytes must not change with that: these tests render the same rows both ways and compare.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.exports import evidence
from orchestration.exports.evidence import _rows, _write_json_rows, _write_pack_json

# Every kind of character json escapes differently from DuckDB: quotes, backslashes, control
# characters (short and \u forms), DEL, Latin-1, the BMP beyond it, an astral character, and
# a text that looks like an escape.
TRICKY_TEXTS = [
    "plain",
    'say "hi"',
    "back\\slash",
    "line\nbreak\ttab\rreturn\bbell\fform",
    "\x01\x0b\x1f",
    "del\x7f",
    "café",
    "€ and \u2028",
    "emoji 😀",
    "\\u00e9 is not an escape",
    "",
]


def _python_pack(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[str, dict[str, object]]:
    """pack.json as the packs were written before DuckDB rendered them: Python's json module."""
    group: dict[str, object] = {
        "status": "over_billed",
        "detail": 'café "x"',
        "variance_amount": "1.50",
        "count": 3,
    }
    pack = {"billing_period": "2026-10", "discrepancy": group, "usage": _rows(con, sql, []), "lines": []}
    return json.dumps(pack, indent=2, sort_keys=True) + "\n", group


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "create table rows_shown (label varchar, amount decimal(38, 16), quantity decimal(38, 6), "
        "hour_start_at timestamp, issued_date date, source_row bigint, version integer, is_held boolean)"
    )
    connection.executemany(
        "insert into rows_shown values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                text,
                Decimal("-0.0000010000000000") if index % 2 else Decimal("12.5"),
                Decimal("0") if index % 3 else Decimal("123456789.123456"),
                datetime(2026, 10, 1 + index, index, 59, 59, 999999),
                date(2026, 10, 1 + index),
                index,
                None if index % 4 == 0 else index,
                index % 2 == 0,
            )
            for index, text in enumerate(TRICKY_TEXTS)
        ],
    )
    connection.execute("insert into rows_shown values (null, null, null, null, null, null, null, null)")
    return connection


# 12 rows: all in one batch, and in batches of 5 (the last one short) and of 1, so that rows
# meeting at a batch boundary are joined and escaped as within a batch.
@pytest.mark.parametrize("rows_per_batch", [10_000, 5, 1])
def test_pack_json_is_byte_identical_to_pythons_encoding(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_per_batch: int
) -> None:
    monkeypatch.setattr(evidence, "ROWS_PER_BATCH", rows_per_batch)
    sql = "select * from rows_shown order by source_row nulls first"
    expected, group = _python_pack(con, sql)
    parts: dict[str, tuple[str, list[object]]] = {
        "usage": (sql, []),
        "lines": ("select * from rows_shown where false", []),
    }
    _write_pack_json(con, "2026-10", group, parts, tmp_path / "pack.json")
    rendered = (tmp_path / "pack.json").read_text(encoding="utf-8")
    assert rendered == expected
    # and it reads back as the rows, in their order, every text intact
    assert [row["label"] for row in json.loads(rendered)["usage"]] == [None, *TRICKY_TEXTS]


def test_a_column_type_packs_do_not_render_fails_loudly(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TypeError, match="ratio has type DOUBLE"):
        _write_json_rows(con, "select 0.5::double as ratio", [], io.StringIO())
