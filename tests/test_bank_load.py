"""Bank files land in raw whole or are rejected with a reason; re-dropping changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.loader import ingest_landing
from orchestration.receivables.bank_load import load_bank_files
from tests.conftest import SEEDS_DIR

BANK = Path(__file__).parent / "fixtures" / "real" / "bank"
SNAPSHOT = "select * from raw.bank_entries order by _source_file, _source_row"


def _landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    nl = landing / "bank" / "nl-rabo-eur"
    se = landing / "bank" / "se-seb-sek"
    nl.mkdir(parents=True)
    se.mkdir(parents=True)
    shutil.copy(BANK / "mt940" / "jejik_rabobank-iban.sta", nl)
    shutil.copy(BANK / "camt" / "camt053.v8.xml", nl)
    shutil.copy(BANK / "camt" / "camt054.v2.xml", se)
    shutil.copy(BANK / "camt" / "camt053.v2.wrong.xml", se)
    return landing


def test_load_is_whole_per_file_and_idempotent(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    first = load_bank_files(con, landing)
    assert first.loaded == {
        "bank/nl-rabo-eur/camt053.v8.xml": 1,
        "bank/nl-rabo-eur/jejik_rabobank-iban.sta": 4,
        "bank/se-seb-sek/camt054.v2.xml": 1,
    }
    assert list(first.rejected) == ["bank/se-seb-sek/camt053.v2.wrong.xml"]
    assert "BkToCstmrStmt holds no Stmt" in first.rejected["bank/se-seb-sek/camt053.v2.wrong.xml"]
    before = con.execute(SNAPSHOT).fetchall()
    assert len(before) == 6
    # Conservation: every loaded file's entry count is in raw, position by position.
    per_file = dict(
        con.execute("select _source_file, count(*) from raw.bank_entries group by all").fetchall()
    )
    assert per_file == first.loaded
    assert con.execute("select distinct bank_account_id from raw.bank_entries order by 1").fetchall() == [
        ("nl-rabo-eur",),
        ("se-seb-sek",),
    ]

    second = load_bank_files(con, landing)
    assert second.loaded == {}
    assert second.rejected == {}
    assert len(second.unchanged) == 4
    assert con.execute(SNAPSHOT).fetchall() == before


def test_vendor_ingest_leaves_bank_files_to_the_bank_readers(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    report = ingest_landing(con, landing, SEEDS_DIR)
    assert report.loaded == []
    assert report.rejected == {}
