"""Ingest: verbatim raw rows, fingerprints, the file registry and rejected layouts."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.layouts import SLURM_COLUMNS
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


def test_files_read_ahead_still_land_in_listed_order_whatever_their_fate(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    """The next files are parsed on a thread of their own while one is inserted: what lands,
    and in which order, is what loading them one by one in sorted order gives."""
    landing = tmp_path / "landing"
    lines = POWER_LOG.read_text().splitlines()
    names = [f"energy/cgk1/meter_{day:02d}.txt" for day in range(1, 9)]
    for number, name in enumerate(names):
        # each file its own readings: the first `number` lines left out, so the files differ
        _drop(landing, name, text="\n".join(lines[number:]) + "\n")
    first = ingest_landing(warehouse, landing, SEEDS_DIR)
    assert first.loaded == names
    # one file unchanged, one unreadable, one new, among files read ahead of their insert
    _drop(landing, "energy/cgk1/meter_09.txt", text="\n".join(lines[:5]) + "\n")
    (landing / names[3]).write_bytes(b"\x00\x01 not text")
    (landing / names[5]).write_text("\n".join(lines[:7]) + "\n")
    again = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert again.unchanged == [name for name in names if name not in (names[3], names[5])]
    assert list(again.rejected) == [names[3]]
    assert again.new_versions == [names[5]] and again.loaded == ["energy/cgk1/meter_09.txt"]
    landed = warehouse.execute(
        "select _source_file, count(*), min(rowid), max(rowid), max(_source_row) "
        "from raw.energy_ptd_power_log group by _source_file, _file_sha256 order by min(rowid)"
    ).fetchall()
    # the first run's files in listed order, then the second run's new version and new file;
    # each file's rows together and numbered in file order
    assert [row[:2] for row in landed] == [
        *((name, len(lines) - number) for number, name in enumerate(names)),
        (names[5], 7),
        ("energy/cgk1/meter_09.txt", 5),
    ]
    assert all(row[3] - row[2] + 1 == row[1] == row[4] for row in landed)


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


# the header `sacct --parsable2` writes for the default fields (JobID ... NodeList)
SACCT_HEADER = "|".join(SLURM_COLUMNS[: SLURM_COLUMNS.index("NodeList") + 1])


def _spans(warehouse: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, object]]:
    rows = warehouse.execute(
        "select source_file, cast(first_event_date as varchar), cast(last_event_date as varchar) "
        "from raw.file_registry"
    ).fetchall()
    return {source_file: (first, last) for source_file, first, last in rows}


def test_each_loaded_file_records_the_dates_its_rows_speak_of(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    job = "fjord-gpu|acme|u1|gpu|{state}|{submit}|{start}|{end}|01:00:00|3600|cpu=1|n1"
    _drop(
        landing,
        "scheduler/slurm/fjord-gpu/sacct_late.txt",
        text="\n".join(
            [
                SACCT_HEADER,
                "1|1|"
                + job.format(
                    state="COMPLETED",
                    submit="2026-08-10T09:00:00",
                    start="2026-08-10T09:05:00",
                    end="2026-08-10T10:05:00",
                ),
                # a running job's End dates nothing; its Start and Submit still count
                "2|2|"
                + job.format(
                    state="RUNNING", submit="2026-10-30T22:00:00", start="2026-11-01T01:00:00", end="Unknown"
                ),
            ]
        )
        + "\n",
    )
    # day-first local readings, as the site declares them
    _drop(
        landing,
        "energy/add1/tenth_kwh_counter_2026-10.csv",
        text="DeviceSerial,ReadingTime,Register\nADD-M01,30/09/2026 23:00,10\nADD-M01,01/11/2026 00:00,20\n",
    )
    # a date in a form the ISO reading cannot parse: the span is unknown, never guessed
    _drop(
        landing,
        "scheduler/slurm/fjord-gpu/sacct_odd.txt",
        text=SACCT_HEADER
        + "\n3|3|"
        + job.format(
            state="COMPLETED",
            submit="10/05/2026 09:00",
            start="2026-10-05T09:05:00",
            end="2026-10-05T10:05:00",
        )
        + "\n",
    )
    _drop(
        landing,
        "reference/customers.csv",
        text="customer_id,customer_name,country_code,currency_code,price_list_id,language_code\n"
        "C1,Acme,NO,NOK,PL1,nb\n",
    )
    report = ingest_landing(warehouse, landing, SEEDS_DIR)

    assert report.rejected == {}
    assert _spans(warehouse) == {
        "scheduler/slurm/fjord-gpu/sacct_late.txt": ("2026-08-10", "2026-11-01"),
        "energy/add1/tenth_kwh_counter_2026-10.csv": ("2026-09-30", "2026-11-01"),
        "scheduler/slurm/fjord-gpu/sacct_odd.txt": (None, None),
        "reference/customers.csv": (None, None),
    }


def test_each_file_records_the_period_whose_run_loaded_it(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    landing = tmp_path / "landing"
    _drop(landing, "reference/customers.csv", text="customer_id,customer_name\n")
    ingest_landing(warehouse, landing, SEEDS_DIR, period="2026-10")
    # an identical re-drop in a later run keeps the period that loaded it; a new file gets its own
    _drop(landing, "scheduler/slurm/fjord-gpu/broken.txt", text="not a dump\n")
    ingest_landing(warehouse, landing, SEEDS_DIR, period="2026-11")
    _drop(landing, "reference/sites.csv", text="site_id\n")
    ingest_landing(warehouse, landing, SEEDS_DIR)
    periods = dict(
        warehouse.execute("select source_file, ingested_for_period from raw.file_registry").fetchall()
    )
    assert periods == {
        "reference/customers.csv": "2026-10",
        "scheduler/slurm/fjord-gpu/broken.txt": "2026-11",
        "reference/sites.csv": None,
    }


def test_a_registry_from_before_spans_gains_them_unknown(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _drop(landing, "reference/customers.csv", text="customer_id,customer_name\n")
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute(
            """
            create schema raw;
            create table raw.file_registry (
                source_file varchar not null, file_sha256 varchar not null, source_kind varchar,
                source_id varchar, raw_table varchar, row_count bigint, file_version integer not null,
                is_current boolean not null, status varchar not null, error varchar,
                first_seen_at timestamp not null, primary key (source_file, file_sha256)
            );
            insert into raw.file_registry values ('scheduler/slurm/fjord-gpu/old.txt', 'abc', 'slurm',
                'fjord-gpu', 'slurm_jobs', 5, 1, true, 'loaded', null, timestamp '2026-09-01');
            """
        )
        ingest_landing(con, landing, SEEDS_DIR)
        spans = _spans(con)
    # the old file is read by every run, as it was when it loaded
    assert spans["scheduler/slurm/fjord-gpu/old.txt"] == (None, None)
    assert set(spans) == {"scheduler/slurm/fjord-gpu/old.txt", "reference/customers.csv"}
