"""Per-folder encoding and ragged-row rules come from seeds/sources/landing_read_rules.csv."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import ingest_landing
from orchestration.ingest.read_rules import ReadRule, load_read_rules, read_rule_for
from tests.conftest import SEEDS_DIR

FOLDER = "vendor_billing/colo/aurora_dc"
HEADER = (
    "invoice_no,line_no,service_from,service_to,description,item_code,qty,uom,unit_price_eur,line_total_eur"
)
LINES = [
    "A1,1,2026-10-01,2026-10-31,Power Gjøvik €,PWR-MET,10,kWh,0.098,0.98",
    "A1,2,2026-10-01,2026-10-31,Rack,RACK-42U,1,month,850.00,850.00",
]
UTF8 = ("\n".join([HEADER, *LINES]) + "\n").encode()


def _seeds_with(tmp_path: Path, encoding: str, ragged_rows: str) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    with (seeds / "sources" / "landing_read_rules.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{FOLDER},{encoding},{ragged_rows},test\n")
    return seeds


def _load(
    tmp_path: Path, seeds: Path, data: bytes, con: duckdb.DuckDBPyConnection
) -> tuple[dict[str, str], list]:
    relative = f"{FOLDER}/invoice.csv"
    target = tmp_path / "landing" / relative
    target.parent.mkdir(parents=True)
    target.write_bytes(data)
    report = ingest_landing(con, tmp_path / "landing", seeds)
    records = con.execute(
        "select record from raw.colo_invoice_lines where _source_file = ? order by _source_row", [relative]
    ).fetchall()
    return report.rejected, records


def _expected_records(tmp_path: Path) -> list:
    """The records of the same lines delivered as plain UTF-8 under the default rule."""
    with duckdb.connect(str(tmp_path / "reference.duckdb")) as con:
        rejected, records = _load(tmp_path / "reference", SEEDS_DIR, UTF8, con)
    assert not rejected and len(records) == 2
    return records


def test_the_longest_declared_folder_wins_and_undeclared_folders_are_strict_utf8() -> None:
    rules = {"vendor_billing": ReadRule(), "vendor_billing/colo/aurora_dc": ReadRule("cp1252", "pad")}
    assert read_rule_for(rules, Path(f"{FOLDER}/x.csv")) == ReadRule("cp1252", "pad")
    assert read_rule_for(rules, Path("vendor_billing/focus/v/x.csv")) == ReadRule()
    assert read_rule_for({}, Path("energy/osl1/x.csv")) == ReadRule("utf-8", "reject")
    assert set(load_read_rules(SEEDS_DIR)) >= {"vendor_billing", "scheduler", "energy", "reference"}


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_declared_encoding_is_read_as_the_same_text(
    encoding: str, tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    data = UTF8.decode().encode(encoding)
    rejected, records = _load(tmp_path, _seeds_with(tmp_path, encoding, "reject"), data, warehouse)
    assert not rejected
    assert records == _expected_records(tmp_path)


def test_latin1_declared_reads_what_strict_utf8_rejects(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    data = UTF8.decode().replace(" €", "").encode("latin-1")
    rejected, _ = _load(tmp_path / "strict", SEEDS_DIR, data, warehouse)
    assert list(rejected.values()) == [f"{FOLDER}/invoice.csv: not UTF-8: invalid byte 0xF8 on line 2"]
    with duckdb.connect(str(tmp_path / "declared.duckdb")) as con:
        rejected, records = _load(
            tmp_path / "declared", _seeds_with(tmp_path, "latin-1", "reject"), data, con
        )
    assert not rejected and "Gjøvik" in records[0][0]


def test_a_byte_the_declared_encoding_lacks_rejects_the_file(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    data = (
        UTF8.replace(b"Rack", b"R\x81ck")
        .decode("utf-8", "surrogateescape")
        .encode("utf-8", "surrogateescape")
    )
    rejected, records = _load(tmp_path, _seeds_with(tmp_path, "cp1252", "reject"), data, warehouse)
    assert records == []
    assert next(iter(rejected.values())).endswith("not cp1252 as declared: invalid byte 0x81 on line 3")


def test_pad_fills_a_short_row_and_reject_refuses_it(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    short = (
        "\n".join([HEADER, LINES[0], "A1,2,2026-10-01,2026-10-31,Rack,RACK-42U,1,month"]) + "\n"
    ).encode()
    rejected, records = _load(tmp_path, _seeds_with(tmp_path, "utf-8", "pad"), short, warehouse)
    assert not rejected and len(records) == 2
    assert '"line_total_eur":null' in records[1][0].replace(" ", "")
    with duckdb.connect(str(tmp_path / "strict.duckdb")) as con:
        rejected, _ = _load(tmp_path / "strict", SEEDS_DIR, short, con)
    assert list(rejected.values()) == [f"{FOLDER}/invoice.csv: line 3 has 8 fields, the header has 10"]


def test_a_trailing_delimiter_on_every_line_is_no_column(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    trailing = ("\n".join(line + "," for line in [HEADER, *LINES]) + "\n").encode()
    seeds = _seeds_with(tmp_path, "utf-8", "ignore_trailing_empty_header")
    rejected, records = _load(tmp_path, seeds, trailing, warehouse)
    assert not rejected
    assert records == _expected_records(tmp_path)
