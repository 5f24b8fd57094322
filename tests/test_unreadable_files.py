"""Unreadable landing files are rejected one by one with their cause; the rest of the run loads."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import event_span, loader, registry
from orchestration.ingest.loader import ingest_landing
from tests.conftest import REAL_FIXTURES, SEEDS_DIR

FOCUS_SAMPLE = REAL_FIXTURES / "focus" / "focus_1_0_sample.csv"
COLO_FOLDER = "vendor_billing/colo/aurora_dc"
HEADER = (
    "invoice_no,line_no,service_from,service_to,description,item_code,qty,uom,unit_price_eur,line_total_eur"
)
LINES = [
    "A1,1,2026-10-01,2026-10-31,Power Gjøvik,PWR-MET,10,kWh,0.098,0.98",
    "A1,2,2026-10-01,2026-10-31,Rack,RACK-42U,1,month,850.00,850.00",
    "A1,3,2026-10-01,2026-10-31,Cross connect,XC-SM,2,month,75.00,150.00",
]
GOOD_FILE = f"{COLO_FOLDER}/zz_good.csv"


def _text(lines: list[str], ending: str = "\n") -> str:
    return ending.join([HEADER, *lines]) + ending


UNREADABLE = {
    "truncated": (
        FOCUS_SAMPLE.read_bytes()[:50_000],
        "vendor_billing/focus/nimbus_cloud/cut.csv",
        "truncated or malformed row at line 67 (unexpected end of data)",
    ),
    "binary": (bytes(range(256)) * 8, f"{COLO_FOLDER}/binary.csv", "not a text file (NUL byte at offset 0)"),
    "latin1": (
        _text(LINES).encode("latin-1"),
        f"{COLO_FOLDER}/latin1.csv",
        "not UTF-8: invalid byte 0xF8 on line 2",
    ),
    "field_count": (
        _text([LINES[0], "A1,2,2026-10-01", LINES[2]]).encode(),
        f"{COLO_FOLDER}/ragged.csv",
        "line 3 has 3 fields, the header has 10",
    ),
}


def _landing_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    landing = tmp_path / "landing"
    for relative, data in {**files, GOOD_FILE: _text(LINES).encode()}.items():
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return landing


def _good_file_loaded(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        "select _source_row, record ->> 'line_total_eur' from raw.colo_invoice_lines "
        "where _source_file = ? order by _source_row",
        [GOOD_FILE],
    ).fetchall()
    assert rows == [(1, "0.98"), (2, "850.00"), (3, "150.00")]


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_file_is_rejected_with_its_cause_and_the_run_goes_on(
    case: str, tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    data, relative, cause = UNREADABLE[case]
    landing = _landing_with(tmp_path, {relative: data})
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert report.rejected == {relative: f"{relative}: {cause}"}
    assert report.loaded == [GOOD_FILE]
    assert warehouse.execute(
        "select status, error, row_count, is_current from raw.file_registry where source_file = ?",
        [relative],
    ).fetchall() == [("rejected", f"{relative}: {cause}", 0, True)]
    _good_file_loaded(warehouse)
    # Nothing of the rejected file reached raw.
    assert warehouse.execute(
        "select count(*) from raw.colo_invoice_lines where _source_file = ?", [relative]
    ).fetchone() == (0,)
    # A re-run neither re-reads nor duplicates anything.
    again = ingest_landing(warehouse, landing, SEEDS_DIR)
    assert sorted(again.unchanged) == sorted([relative, GOOD_FILE]) and not again.rejected


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(_text(LINES).encode("utf-16"), id="utf16_bom"),
        pytest.param(b"\xef\xbb\xbf" + _text(LINES).encode(), id="utf8_bom"),
        pytest.param(
            _text(LINES[:1], "\r\n").encode() + "\n".join(LINES[1:]).encode() + b"\n", id="mixed_crlf_lf"
        ),
    ],
)
def test_common_real_encodings_and_line_endings_are_read(
    encoded: bytes, tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    relative = f"{COLO_FOLDER}/variant.csv"
    landing = _landing_with(tmp_path, {relative: encoded})
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert not report.rejected and sorted(report.loaded) == [relative, GOOD_FILE]
    assert (
        warehouse.execute(
            "select record from raw.colo_invoice_lines where _source_file = ? order by _source_row",
            [relative],
        ).fetchall()
        == warehouse.execute(
            "select record from raw.colo_invoice_lines where _source_file = ? order by _source_row",
            [GOOD_FILE],
        ).fetchall()
    )


def test_a_new_column_of_a_rejected_file_does_not_hide_the_next_files_column(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    """The failed file's added raw column is rolled back; the next file adds it again."""
    focus = FOCUS_SAMPLE.read_text(encoding="utf-8").splitlines()
    header = focus[0] + ",x_NewColumn"
    bad = "\n".join([header, *(line + ",1" for line in focus[1:3])]) + "\n" + "\x00"
    landing = _landing_with(
        tmp_path,
        {
            "vendor_billing/focus/nimbus_cloud/a.csv": bad.encode(),
            "vendor_billing/focus/nimbus_cloud/b.csv": (
                "\n".join([header, *(line + ",2" for line in focus[1:3])]) + "\n"
            ).encode(),
        },
    )
    report = ingest_landing(warehouse, landing, SEEDS_DIR)
    assert list(report.rejected) == ["vendor_billing/focus/nimbus_cloud/a.csv"]
    assert warehouse.execute('select distinct "x_NewColumn" from raw.focus_charges').fetchall() == [("2",)]


@pytest.mark.parametrize("group_rows", [loader.GROUP_ROWS, 1], ids=["shared_transaction", "one_per_file"])
def test_a_file_failing_inside_its_transaction_is_rejected_and_the_files_around_it_load(
    group_rows: int, tmp_path: Path, warehouse: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that parses but fails while its rows are written: with small files sharing one
    transaction, the files before it in the group load again one by one and it alone is
    rejected; its new raw column goes with it."""
    focus = FOCUS_SAMPLE.read_text(encoding="utf-8").splitlines()
    folder = "vendor_billing/focus/nimbus_cloud"
    files = {
        f"{folder}/a.csv": "\n".join([focus[0] + ",x_First", *(line + ",1" for line in focus[1:3])]),
        f"{folder}/b.csv": "\n".join([focus[0] + ",x_Failing", *(line + ",2" for line in focus[1:3])]),
        f"{folder}/c.csv": "\n".join([focus[0], *focus[3:6]]),
    }
    landing = _landing_with(tmp_path, {name: (text + "\n").encode() for name, text in files.items()})
    real_span = event_span.file_span

    def span_failing_for_b(
        con: duckdb.DuckDBPyConnection, raw_table: str, columns: list[str], relation: str
    ) -> registry.EventSpan:
        if "x_Failing" in columns:
            # a real DuckDB error inside the file's transaction, which DuckDB then aborts
            con.execute("select cast('not a number' as integer)")
        return real_span(con, raw_table, columns, relation)

    monkeypatch.setattr(loader, "GROUP_ROWS", group_rows)
    monkeypatch.setattr(event_span, "file_span", span_failing_for_b)
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    failing = f"{folder}/b.csv"
    assert list(report.rejected) == [failing]
    assert report.rejected[failing].startswith(f"{failing}: Conversion Error")
    assert report.loaded == [GOOD_FILE, f"{folder}/a.csv", f"{folder}/c.csv"]
    assert report.rows_by_table == {"colo_invoice_lines": 3, "focus_charges": 5}
    _good_file_loaded(warehouse)
    assert warehouse.execute(
        "select source_file, status, row_count from raw.file_registry order by source_file"
    ).fetchall() == [
        (GOOD_FILE, "loaded", 3),
        (f"{folder}/a.csv", "loaded", 2),
        (failing, "rejected", 0),
        (f"{folder}/c.csv", "loaded", 3),
    ]
    assert warehouse.execute(
        "select _source_file, count(*), count(x_First) from raw.focus_charges group by all order by 1"
    ).fetchall() == [(f"{folder}/a.csv", 2, 2), (f"{folder}/c.csv", 3, 0)]
    columns = {
        name
        for (name,) in warehouse.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'raw' and table_name = 'focus_charges'"
        ).fetchall()
    }
    assert "x_First" in columns and "x_Failing" not in columns


def test_links_and_paths_outside_landing_are_rejected_never_followed(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    secret = tmp_path / "outside.csv"
    secret.write_text(_text(LINES), encoding="utf-8")
    landing = _landing_with(tmp_path, {})
    link = landing / COLO_FOLDER / "linked.csv"
    os.symlink(secret, link)
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    relative = f"{COLO_FOLDER}/linked.csv"
    assert report.rejected == {relative: f"{relative}: a symbolic link (landing accepts only regular files)"}
    files = warehouse.execute("select count(distinct _source_file) from raw.colo_invoice_lines").fetchone()
    assert files == (1,)
    _good_file_loaded(warehouse)
