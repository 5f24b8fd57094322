"""Fault matrix: unreadable files and bad values dropped into the demo month's landing, one real run.

Each unreadable file must end as a rejected file with its reason, nothing of it in raw; each bad
value as its exception with its reason, the rest billed as the baseline. The run completes, a
re-run gives the same rows, and the closed ledger verifies.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import REAL_FIXTURES
from tests.e2e_support import PERIOD, DemoMonth, Deployment

COLO_HEADER = (
    "invoice_no,line_no,service_from,service_to,description,item_code,qty,uom,unit_price_eur,line_total_eur\n"
)
COLO_LINE = "A9,1,2026-10-01,2026-10-31,Power Gjøvik,PWR-MET,10,kWh,0.098,0.98\n"

# case -> (landing path, bytes or None for a link to a file outside landing, reason in the registry)
MATRIX: dict[str, tuple[str, bytes | None, str]] = {
    "binary_named_csv": (
        "vendor_billing/colo/aurora_dc/zz_binary.csv",
        bytes(range(256)) * 16,
        "not a text file (NUL byte",
    ),
    "latin1_not_declared": (
        "vendor_billing/colo/aurora_dc/zz_latin1.csv",
        (COLO_HEADER + COLO_LINE).encode("latin-1"),
        "not UTF-8: invalid byte 0xF8 on line 2",
    ),
    "cut_mid_row": (
        "vendor_billing/focus/nimbus_cloud/zz_cut.csv",
        (REAL_FIXTURES / "focus" / "focus_1_0_sample.csv").read_bytes()[:50_000],
        "truncated or malformed row at line 67",
    ),
    "field_count": (
        "vendor_billing/colo/aurora_dc/zz_ragged.csv",
        (COLO_HEADER + "A9,1,2026-10-01\n" + COLO_LINE).encode(),
        "line 2 has 3 fields, the header has 10",
    ),
    "symlink_outside_landing": ("vendor_billing/colo/aurora_dc/zz_link.csv", None, "a symbolic link"),
}

BASELINE_SQL = {
    "invoices": "select * from marts.fct_invoices where billing_period = ? order by all",
    "invoice_lines": "select * from marts.fct_invoice_lines where billing_period = ? order by all",
}
RAW_TABLES_SQL = """
    select table_name from duckdb_tables()
    where schema_name = 'raw' and table_name <> 'file_registry' order by table_name
"""


def _raw_rows(deployment: Deployment, leaving_out: list[str]) -> dict[str, int]:
    """Rows per raw table, leaving out those of the files named."""
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        tables = [row[0] for row in con.execute(RAW_TABLES_SQL).fetchall()]
        counted = {
            table: con.execute(
                f"select count(*) from raw.{table} where not list_contains(?, _source_file)", [leaving_out]
            ).fetchone()
            for table in tables
        }
    return {table: row[0] for table, row in counted.items() if row is not None}


def _drop_unreadable_files(landing: Path, outside: Path) -> None:
    outside.write_text(COLO_HEADER + COLO_LINE, encoding="utf-8")
    for relative, data, _ in MATRIX.values():
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            os.symlink(outside, target)
        else:
            target.write_bytes(data)


def test_the_run_completes_and_nothing_of_a_rejected_file_reaches_raw(faulted: dict[str, Any]) -> None:
    deployment = faulted["deployment"]
    for name in ("run", "rerun"):
        assert "succeeded" in faulted[name].stdout, faulted[name].stdout + faulted[name].stderr
    # Raw holds the baseline's rows plus the bad values' files, and nothing of a rejected file.
    bad_value_files = [relative for relative, _ in faulted["faults"].values()]
    assert _raw_rows(deployment, bad_value_files) == faulted["baseline_raw"]
    verified = deployment.meterline("verify")
    assert verified.returncode == 0, verified.stderr
    print(f"fault matrix run: {faulted['seconds']:.1f} s")


@pytest.mark.parametrize("case", sorted(MATRIX))
def test_each_fault_is_a_rejected_file_with_its_reason(case: str, faulted: dict[str, object]) -> None:
    relative, _, reason = MATRIX[case]
    deployment = faulted["deployment"]
    assert isinstance(deployment, Deployment)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select status, error, row_count from raw.file_registry where source_file = ?", [relative]
        ).fetchall()
    assert len(rows) == 1
    status, error, row_count = rows[0]
    assert (status, row_count) == ("rejected", 0)
    assert error.startswith(f"{relative}: {reason}")


# Bad values: rows dropped as new files into a copy of the demo month. The resent copies sort
# first by name (`aa_`), so if file order decided, the bad value would win.
OSL = "energy/osl1/cumulative_kwh_2026-10.csv"
OPENCOST = "scheduler/opencost/nimbus-k8s/allocations_2026-10.csv"
SACCT = "scheduler/slurm/fjord-gpu/sacct_2026-10_a.txt"
CONFLICT_METER, CONFLICT_AT = "OSL-M08", "2026-10-15T12:00:00+02:00"
ADD = "energy/add1/tenth_kwh_counter_2026-10.csv"
JUMP_METER, SPIKE_METER = "ADD-M01", "CGK-M02"


def _line(landing: Path, relative: str, prefix: str) -> str:
    """The first data line of a landing file starting with `prefix`."""
    return next(line for line in (landing / relative).read_text().splitlines() if line.startswith(prefix))


def _header(landing: Path, relative: str) -> str:
    return (landing / relative).read_text().splitlines()[0]


def _value_faults(landing: Path) -> dict[str, tuple[str, str]]:
    """case -> (new landing file, its text), built from the demo month's own rows."""
    osl_header = _header(landing, OSL)
    allocation = _line(landing, OPENCOST, "2026-10-10,abay-ingest,").split(",")
    allocation[7] = "4"  # CPUCoreRequestAverage: 0.5 in the original
    job = next(
        fields
        for line in (landing / SACCT).read_text().splitlines()[1:]
        if (fields := line.split("|"))[6] == "COMPLETED"
        and "." not in fields[0]
        and fields[8] >= "2026-10-05"
    )
    changed_job = [*job]
    changed_job[11] = str(int(job[11]) + 3600)  # ElapsedRaw one hour longer
    changed_job[10] = ""
    ancient_job = [*job]
    ancient_job[0] = ancient_job[1] = "9999999"
    ancient_job[7] = ancient_job[8] = "2019-10-10T10:00:00"
    sacct_header = _header(landing, SACCT)
    # a 0.1 kWh register jumping 6,000 kWh in half an hour, then back (below its rollover)
    register = int(_line(landing, ADD, f"{JUMP_METER},20/10/2026 10:00,").split(",")[2])
    jumped = (register + 60_000) % 1_000_000
    return {
        "conflicting_energy_reading": (
            "energy/osl1/aa_cumulative_kwh_2026-10_resend.csv",
            f"{osl_header}\n{CONFLICT_METER};{CONFLICT_AT};999999,000\n",
        ),
        "conflicting_opencost_row": (
            "scheduler/opencost/nimbus-k8s/aa_allocations_2026-10_resend.csv",
            f"{_header(landing, OPENCOST)}\n{','.join(allocation)}\n",
        ),
        "conflicting_job_record": (
            "scheduler/slurm/fjord-gpu/aa_sacct_2026-10_resend.txt",
            f"{sacct_header}\n{'|'.join(changed_job)}\n",
        ),
        "offset_beyond_14h": (
            "energy/osl1/cumulative_kwh_2026-10_offset.csv",
            f"{osl_header}\n{CONFLICT_METER};2026-10-15T12:30:00+25:00;37248,300\n",
        ),
        "local_time_in_dst_gap": (
            "energy/osl1/cumulative_kwh_2026-03.csv",
            f"{osl_header}\n{CONFLICT_METER};2026-03-29T02:30:00;30000,000\n",
        ),
        "reading_outside_declared_period": (
            "energy/osl1/cumulative_kwh_2026-10_stray.csv",
            f"{osl_header}\n{CONFLICT_METER};2026-12-15T10:00:00+01:00;40000,000\n",
        ),
        "counter_jump": (
            "energy/add1/tenth_kwh_counter_2026-10_jump.csv",
            f"{_header(landing, ADD)}\n{JUMP_METER},20/10/2026 10:30,{jumped}\n",
        ),
        "power_sample_above_rating": (
            f"energy/cgk1/spl_{SPIKE_METER}_2026-10_spike.txt",
            f"Time,10-20-2026 10:02:30.000,Watts,250000.0,Volts,230.0,Amps,3.9,PF,0.95,Mark,{SPIKE_METER}\n",
        ),
        "job_outside_declared_period": (
            "scheduler/slurm/fjord-gpu/sacct_2026-10_stray.txt",
            f"{sacct_header}\n{'|'.join(ancient_job)}\n",
        ),
    }


# case -> (reason code in fct_billing_exceptions, text in its detail)
VALUE_OUTCOMES = {
    "conflicting_energy_reading": ("conflicting_duplicate", "readings of meter OSL-M08 disagree"),
    "conflicting_opencost_row": ("conflicting_duplicate", "copies that disagree"),
    "conflicting_job_record": ("conflicting_duplicate", "finished records that disagree"),
    "offset_beyond_14h": ("invalid_value", "has UTC offset +25:00, outside -14:00..+14:00"),
    "local_time_in_dst_gap": ("invalid_value", "does not exist in Europe/Oslo"),
    "reading_outside_declared_period": ("invalid_value", "lies outside the period 2026-10 its file declares"),
    "job_outside_declared_period": ("invalid_value", "lies outside the period 2026-10 its file declares"),
    "counter_jump": ("implausible_reading", f"meter {JUMP_METER} measured"),
    "power_sample_above_rating": ("implausible_reading", f"meter {SPIKE_METER} measured"),
}
HELD = {"conflicting_duplicate", "implausible_reading"}

EXCEPTIONS_SQL = """
    select reason_code, is_blocking, source_system, source_file, subject_type, subject_id, quantity_base,
        detail
    from marts.fct_billing_exceptions where billing_period = ? order by all
"""
MARTS_SQL = {
    **BASELINE_SQL,
    "exceptions": "select * from marts.fct_billing_exceptions where billing_period = ? order by all",
    "conservation": "select * from marts.rpt_row_conservation where billing_period = ? order by all",
}


def _marts(deployment: Deployment) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return {name: con.execute(sql, [PERIOD]).fetchall() for name, sql in MARTS_SQL.items()}


def _lines_by_key(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Invoice lines by id -> (customer, line type, quantity_base, net amount)."""
    return {row[0]: (row[3], row[22], row[9], row[13]) for row in rows}


@pytest.fixture(scope="module")
def faulted(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the demo month with every unreadable file and every bad value dropped into its
    landing, run twice."""
    root = tmp_path_factory.mktemp("faults")
    deployment = demo_month.copy_to(root / "deployment")
    landing = deployment.root / "landing"
    baseline, baseline_raw = _marts(deployment), _raw_rows(deployment, [])
    faults = _value_faults(landing)
    for relative, text in faults.values():
        (landing / relative).write_text(text, encoding="utf-8")
    _drop_unreadable_files(landing, root / "outside.csv")
    started = time.monotonic()
    run = deployment.run()
    seconds = time.monotonic() - started
    first = _marts(deployment)
    rerun = deployment.run()
    return {
        "deployment": deployment,
        "faults": faults,
        "baseline": baseline,
        "baseline_raw": baseline_raw,
        "run": run,
        "rerun": rerun,
        "first": first,
        "second": _marts(deployment),
        "seconds": seconds,
    }


def test_a_rerun_gives_the_same_rows(faulted: dict[str, Any]) -> None:
    assert faulted["second"] == faulted["first"]


def test_every_row_still_ends_in_exactly_one_place(faulted: dict[str, object]) -> None:
    conservation = faulted["first"]["conservation"]  # type: ignore[index]
    files = {row[2]: row for row in conservation}
    for relative, _ in faulted["faults"].values():  # type: ignore[attr-defined]
        assert relative in files, relative
    assert all(row[-1] for row in conservation), [row for row in conservation if not row[-1]]


@pytest.mark.parametrize("case", sorted(VALUE_OUTCOMES))
def test_each_bad_value_is_its_exception_with_its_reason(case: str, faulted: dict[str, object]) -> None:
    reason, text = VALUE_OUTCOMES[case]
    relative, _ = faulted["faults"][case]  # type: ignore[index]
    deployment = faulted["deployment"]
    assert isinstance(deployment, Deployment)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        found = con.execute(EXCEPTIONS_SQL, [PERIOD]).fetchall()
        quarantined = con.execute(
            "select quarantine_reason, quarantine_detail from intermediate.int_quarantine__rows "
            "where source_file = ?",
            [relative],
        ).fetchall()
    matching = [row for row in found if row[0] == reason and text in row[7]]
    assert matching, [row for row in found if row[0] == reason]
    if reason in HELD:
        # blocking, on the subject, with the held energy (meters) named
        assert all(row[1] for row in matching)
        assert all(row[6] > 0 for row in matching if row[4] == "meter")
    else:
        assert quarantined and quarantined[0][0] == reason and text in quarantined[0][1], quarantined


def test_conflicts_are_held_and_everything_else_is_billed_as_the_baseline(
    faulted: dict[str, object],
) -> None:
    deployment = faulted["deployment"]
    assert isinstance(deployment, Deployment)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        held = con.execute(
            """
            select hour_start_at, held_energy_joules from intermediate.int_energy__intervals
            where meter_id = ? and hold_reason = 'conflicting_duplicate' order by all
            """,
            [CONFLICT_METER],
        ).fetchall()
        # the customers whose usage the conflicts touch
        affected = set(
            con.execute(
                """
                select distinct customer_id from intermediate.int_usage__rated
                where billing_period = ? and customer_id is not null and (
                    (subject_type = 'machine' and subject_id in (
                        select machine_id from staging.stg_reference__machines
                        where meter_id in (?, ?, ?)))
                    or (subject_type = 'k8s_namespace' and subject_id in (
                        select namespace from intermediate.int_opencost_allocations__deduplicated
                        where is_conflicting))
                    or (subject_type = 'slurm_account' and subject_id in (
                        select slurm_account from intermediate.int_slurm_jobs__deduplicated
                        where is_conflicting))
                )
                """,
                [PERIOD, CONFLICT_METER, JUMP_METER, SPIKE_METER],
            ).fetchall()
        )
    # the reading closes one interval and opens the next: both hours are held, none billed
    assert [str(row[0]) for row in held] == ["2026-10-15 09:00:00", "2026-10-15 10:00:00"]
    assert all(row[1] > 0 for row in held)
    affected_customers = {row[0] for row in affected}
    assert len(affected_customers) >= 3
    before = _lines_by_key(faulted["baseline"]["invoice_lines"])  # type: ignore[index]
    after = _lines_by_key(faulted["first"]["invoice_lines"])  # type: ignore[index]
    assert before.keys() == after.keys()
    changed = {key for key in before if before[key] != after[key]}
    assert changed, "the held usage must leave the invoices"
    assert {after[key][0] for key in changed} <= affected_customers
    # held usage only ever lowers a usage line (nothing is billed from the held copies); a
    # minimum-commitment true-up of the same customer may rise to make up for it
    usage = {key for key in changed if after[key][1] == "usage"}
    assert usage and all(after[key][2] < before[key][2] for key in usage)
