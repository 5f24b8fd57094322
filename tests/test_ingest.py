"""Ingest: verbatim raw rows, fingerprints, the file registry and rejected layouts."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.loader import ingest_landing
from tests.conftest import REAL_FIXTURES, SEEDS_DIR

FOCUS_SAMPLE = REAL_FIXTURES / "focus" / "focus_1_0_sample.csv"
POWER_LOG = REAL_FIXTURES / "power" / "spl_testing_2020-12-23.txt"


def _drop(landing: Path, relative: str, source: Path | None = None, text: str | None = None) -> Path:
    target = landing / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copyfile(source, target)
    else:
        target.write_text(text or "", encoding="utf-8")
    return target


def test_real_focus_sample_loads_verbatim_in_file_order(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    _drop(landing, "vendor_billing/focus/nimbus_cloud/focus.csv", FOCUS_SAMPLE)
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert report.rows_by_table["focus_charges"] == 1000
    with FOCUS_SAMPLE.open(newline="", encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    rows = warehouse.execute(
        'select _source_row, "BilledCost", "ChargeCategory", "Tags", _file_sha256, "InvoiceId" '
        "from raw.focus_charges order by _source_row"
    ).fetchall()
    assert [r[0] for r in rows] == list(range(1, 1001))
    # Text is kept as written: the literal NULL, trailing zeros, JSON tags with their spaces.
    assert [r[1] for r in rows] == [e["BilledCost"] for e in expected]
    assert [r[3] for r in rows] == [e["Tags"] for e in expected]
    assert {r[2] for r in rows} >= {"Usage"}
    assert rows[0][4] == hashlib.sha256(FOCUS_SAMPLE.read_bytes()).hexdigest()
    # A column FOCUS 1.0 does not have exists and is empty, so staging reads every version.
    assert {r[5] for r in rows} == {None}


def test_redrop_is_noop_and_changed_file_is_new_version(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    path = _drop(landing, "energy/cgk1/meter.txt", POWER_LOG)
    lines = POWER_LOG.read_text().splitlines()
    first = ingest_landing(warehouse, landing, SEEDS_DIR)
    again = ingest_landing(warehouse, landing, SEEDS_DIR)
    assert first.loaded == ["energy/cgk1/meter.txt"]
    assert again.unchanged == ["energy/cgk1/meter.txt"] and not again.loaded
    assert warehouse.execute("select count(*) from raw.energy_ptd_power_log").fetchone() == (len(lines),)

    path.write_text("\n".join([*lines, lines[0]]) + "\n")
    changed = ingest_landing(warehouse, landing, SEEDS_DIR)
    assert changed.new_versions == ["energy/cgk1/meter.txt"]
    registry = warehouse.execute(
        "select file_version, is_current, row_count from raw.file_registry order by file_version"
    ).fetchall()
    assert registry == [(1, False, len(lines)), (2, True, len(lines) + 1)]
    # Both versions stay in raw, told apart by their fingerprint.
    assert warehouse.execute(
        "select count(distinct _file_sha256), count(*) from raw.energy_ptd_power_log"
    ).fetchone() == (2, 2 * len(lines) + 1)


def test_unknown_and_drifted_layouts_are_rejected_and_the_rest_loads(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    _drop(landing, "vendor_billing/focus/nimbus_cloud/focus.csv", FOCUS_SAMPLE)
    _drop(landing, "vendor_billing/focus/unknown_vendor/focus.csv", FOCUS_SAMPLE)
    _drop(
        landing,
        "vendor_billing/colo/aurora_dc/invoice.csv",
        # `qty` renamed to `quantity`: a drifted layout.
        text="invoice_no,line_no,service_from,service_to,description,item_code,quantity,uom,"
        "unit_price_eur,line_total_eur\nA1,1,2026-10-01,2026-10-31,Power,PWR-MET,10,kWh,0.098,0.98\n",
    )
    _drop(landing, "scheduler/slurm/fjord-gpu/habrok.txt", REAL_FIXTURES / "slurm" / "habrok_sacct.txt")
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert report.loaded == ["vendor_billing/focus/nimbus_cloud/focus.csv"]
    assert "no layout is declared" in report.rejected["vendor_billing/focus/unknown_vendor/focus.csv"]
    assert "missing column 'qty'" in report.rejected["vendor_billing/colo/aurora_dc/invoice.csv"]
    assert "missing columns 'JobID', 'Account'" in report.rejected["scheduler/slurm/fjord-gpu/habrok.txt"]
    statuses = dict(warehouse.execute("select source_file, status from raw.file_registry").fetchall())
    assert sorted(statuses.values()) == ["loaded", "rejected", "rejected", "rejected"]
    assert warehouse.execute("select count(*) from raw.colo_invoice_lines").fetchone() == (0,)


def test_colo_rows_keep_every_column_as_a_json_record(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    _drop(
        landing,
        "vendor_billing/colo/fjord_colo/faktura.csv",
        text="Fakturanummer;Linje;Periode fra;Periode til;Beskrivelse;Varenummer;Antall;Enhet;"
        "Enhetspris;Beløp\nF-1;1;01.10.2026;31.10.2026;Strøm;STROM-KWH;1234,500;kWh;1,24;1530,78\n",
    )
    ingest_landing(warehouse, landing, SEEDS_DIR)
    record = warehouse.execute(
        "select record ->> 'Antall', record ->> 'Beløp', _source_id from raw.colo_invoice_lines"
    ).fetchone()
    assert record == ("1234,500", "1530,78", "fjord_colo")
