"""sacct dumps as they come: jobs known only from their step rows, rows that stop before an
optional trailing field, `#` comment lines and blank lines. Hand-written files go through the
real ingest and dbt models; job counts, core-hours and exceptions equal an independent parse
of each file here (Python string splitting and Slurm's documented field formats)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.ingest.layouts import Declarations
from tests.adapter_support import build_vendor_warehouse, drop
from tests.conftest import SEEDS_DIR

PERIOD = "2026-10"
FJORD = "scheduler/slurm/fjord-gpu"
TUNDRA = "scheduler/slurm/tundra"
TUNDRA_FIELDS = Declarations.from_seeds(SEEDS_DIR).slurm_layouts["tundra"].fields

# `sacct --parsable2 --format=JobID,Account,User,State,Start,End,ElapsedRaw,AllocTRES` of a
# cluster whose dump lost some allocation rows: job 701 shows only as steps (the extern step
# holds the whole allocation), 702's steps name no account, 703's step has no allocation.
STEPS_HEADER = ["JobID", "Account", "User", "State", "Start", "End", "ElapsedRaw", "AllocTRES"]
STEPS_ROWS = [
    ["700", "proj-a", "ann", "COMPLETED", "2026-10-05T08:00:00", "2026-10-05T09:00:00", "3600",
     "billing=4,cpu=4,mem=8G,node=1"],
    ["700.batch", "proj-a", "", "COMPLETED", "2026-10-05T08:00:00", "2026-10-05T09:00:00", "3600",
     "cpu=4,mem=8G,node=1"],
    ["701.extern", "proj-b", "", "COMPLETED", "2026-10-06T10:00:00", "2026-10-06T12:00:00", "7200",
     "billing=8,cpu=8,mem=16G,node=1"],
    ["701.0", "proj-b", "", "COMPLETED", "2026-10-06T10:30:00", "2026-10-06T11:00:00", "1800",
     "cpu=2,mem=4G,node=1"],
    ["701.interactive", "proj-b", "", "COMPLETED", "2026-10-06T10:00:00", "2026-10-06T12:30:00", "9000",
     "cpu=6,mem=12G,node=1"],
    ["702.extern", "", "", "COMPLETED", "2026-10-07T10:00:00", "2026-10-07T11:00:00", "3600",
     "cpu=2,mem=2G,node=1"],
    ["702.interactive", "", "", "COMPLETED", "2026-10-07T10:00:00", "2026-10-07T11:00:00", "3600",
     "cpu=2,mem=2G,node=1"],
    ["703.batch", "proj-c", "", "COMPLETED", "2026-10-08T10:00:00", "2026-10-08T11:00:00", "3600", ""],
]  # fmt: skip

# The tundra field list (seed slurm_declared_layouts) ends in Partition, which its accounting
# script writes only for some rows; the dump also has comment lines and blank lines.
TUNDRA_ROWS = [
    {"State": "COMPLETED", "JobID": "81", "ReqCPUS": "4", "ReqMem": "1Gc", "NNodes": "1",
     "Elapsed": "01:00:00", "Start": "2026-10-12T08:00:00", "End": "2026-10-12T09:00:00", "User": "ann",
     "NCPUS": "4", "TotalCPU": "03:50:00", "Partition": "chem"},
    # no trailing Partition: the row stops one field early
    {"State": "COMPLETED", "JobID": "82", "ReqCPUS": "2", "ReqMem": "1Gc", "NNodes": "1",
     "Elapsed": "03:00:00", "Start": "2026-10-12T10:00:00", "End": "2026-10-12T13:00:00", "User": "bob",
     "NCPUS": "2", "TotalCPU": "05:00:00"},
    {"State": "COMPLETED", "JobID": "83", "ReqCPUS": "8", "ReqMem": "1Gc", "NNodes": "1",
     "Elapsed": "00:30:00", "Start": "2026-10-13T10:00:00", "End": "2026-10-13T10:30:00", "User": "cid",
     "NCPUS": "8", "TotalCPU": "03:50:00", "Partition": "physics"},
]  # fmt: skip


def _tundra_text() -> str:
    lines = ["# sacct --noheader --parsable2 --format=" + ",".join(TUNDRA_FIELDS), ""]
    for row in TUNDRA_ROWS:
        lines.append("|".join(row[f] for f in TUNDRA_FIELDS if f in row))
        lines.append("")
    lines.insert(4, "  # job 82 ran without a partition")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("sacct_steps")
    landing = root / "landing"
    text = "\n".join("|".join(row) for row in [STEPS_HEADER, *STEPS_ROWS]) + "\n"
    drop(landing, f"{FJORD}/sacct_2026-10_steps.txt", text=text)
    drop(landing, f"{TUNDRA}/sacct_2026-10_ragged.txt", text=_tundra_text())
    con = build_vendor_warehouse(
        root, landing, PERIOD, ["int_slurm_jobs__deduplicated", "int_exceptions__step_only_jobs"]
    )
    yield con
    con.close()


def _seconds(start: str, end: str) -> int:
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _cpus(tres: str) -> int:
    return next((int(t[4:]) for t in tres.split(",") if t.startswith("cpu=")), 0)


def _independent_step_only() -> dict[str, tuple[str, int]]:
    """Per job known only from steps: its account and core-seconds, the largest step's CPUs
    over the span from the earliest step start to the latest step end."""
    rows = [dict(zip(STEPS_HEADER, row, strict=True)) for row in STEPS_ROWS]
    job_ids = {row["JobID"] for row in rows if "." not in row["JobID"]}
    steps: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        base = row["JobID"].split(".")[0]
        if "." in row["JobID"] and base not in job_ids:
            steps.setdefault(base, []).append(row)
    billed = {}
    for base, job_steps in steps.items():
        accounts = [s["Account"] for s in job_steps if s["Account"]]
        cpus = max(_cpus(s["AllocTRES"]) for s in job_steps)
        if accounts and cpus:
            start = min(s["Start"] for s in job_steps)
            end = max(s["End"] for s in job_steps)
            billed[base] = (accounts[0], cpus * _seconds(start, end))
    return billed


def test_jobs_known_only_from_steps_are_billed_from_their_largest_step(
    built: duckdb.DuckDBPyConnection,
) -> None:
    lines = built.execute(
        """
        select job_id, subject_id, quantity_base from intermediate.int_slurm_jobs__itemised
        where sku_id = 'cpu_core_hour' and source_file like '%sacct_2026-10_steps.txt'
        """
    ).fetchall()
    billed = {job: (subject, int(quantity)) for job, subject, quantity in lines}
    assert billed.pop("700") == ("proj-a", 4 * 3600)
    assert billed == _independent_step_only() == {"701": ("proj-b", 8 * 9000)}
    memory = built.execute(
        "select units_per_second from intermediate.int_slurm_jobs__itemised "
        "where job_id = '701' and sku_id = 'memory_gib_hour'"
    ).fetchall()
    assert memory == [(Decimal(16 * 2**30),)]


def test_step_only_jobs_no_step_can_bill_are_blocking_exceptions(built: duckdb.DuckDBPyConnection) -> None:
    exceptions = built.execute(
        """
        select job_id, is_blocking, status, detail from marts.fct_billing_exceptions
        where reason_code = 'step_only_job' order by job_id
        """
    ).fetchall()
    assert [(job, blocking, status) for job, blocking, status, _ in exceptions] == [
        ("702", True, "open"),
        ("703", True, "open"),
    ]
    assert "no Account, no start or no allocation" in exceptions[0][3]


def test_every_step_row_ends_in_exactly_one_place(built: duckdb.DuckDBPyConnection) -> None:
    fates = built.execute(
        """
        select row_status, coalesce(reason_code, exclusion_reason), count(*)
        from intermediate.int_source_rows__classified
        where source_file like '%sacct_2026-10_steps.txt' group by all order by all
        """
    ).fetchall()
    # 700 and 701 billed; 702 and 703 one exception each; the other steps stay steps
    assert fates == [
        ("canonical", None, 2),
        ("excluded", "slurm_step_row", 4),
        ("quarantined", "step_only_job", 2),
    ]
    assert sum(count for *_, count in fates) == len(STEPS_ROWS)


def test_rows_without_the_trailing_field_comments_and_blank_lines_are_read(
    built: duckdb.DuckDBPyConnection,
) -> None:
    staged = built.execute(
        """
        select job_id, partition_name, quarantine_detail, allocated_cpu_count * elapsed_seconds
        from staging.stg_slurm__jobs where source_file like '%sacct_2026-10_ragged.txt' order by source_row
        """
    ).fetchall()
    assert [row[0] for row in staged] == [row["JobID"] for row in TUNDRA_ROWS]
    core_seconds = [int(r["NCPUS"]) * _seconds(r["Start"], r["End"]) for r in TUNDRA_ROWS]
    assert [row[3] for row in staged] == core_seconds
    # Partition is tundra's customer subject: the row without it cannot be attributed
    assert [(row[1], row[2]) for row in staged] == [
        ("chem", None),
        (None, "Partition is empty"),
        ("physics", None),
    ]
