"""sacct as clusters configure it: a cluster declared in one seed row with another field list
(no Account, no AllocTRES, Partition as the subject, memory from ReqMem per CPU or per node),
a headed dump with resources field by field (AllocGRES of old Slurm), and the real Hábrók dump.
Job counts and core-hours through the real ingest and dbt models equal an independent parse of
each file here (Python string splitting and Slurm's documented field formats)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.ingest.layouts import Declarations
from tests.adapter_support import dbt_build, drop, ingest, query
from tests.conftest import REAL_FIXTURES, SEEDS_DIR

HABROK = REAL_FIXTURES / "slurm" / "habrok_sacct.txt"
DECLARATIONS = Declarations.from_seeds(SEEDS_DIR)
HABROK_FIELDS = DECLARATIONS.slurm_layouts["habrok"].fields
TUNDRA_FIELDS = DECLARATIONS.slurm_layouts["tundra"].fields

# `sacct --noheader --parsable2 --format=State,JobID,ReqCPUS,ReqMem,NNodes,Elapsed,Start,End,User,
# NCPUS,TotalCPU,Partition`, as an accounting script of an older site writes it (cluster tundra).
TUNDRA_ROWS = [
    # 4 CPUs for 2 h, 2000 MB per CPU (`c`): 8 core-hours, 8000 MiB
    {"State": "COMPLETED", "JobID": "51", "ReqCPUS": "4", "ReqMem": "2000Mc", "NNodes": "1",
     "Elapsed": "02:00:00", "Start": "2026-10-05T08:00:00", "End": "2026-10-05T10:00:00", "User": "ann",
     "NCPUS": "4", "TotalCPU": "07:10:00", "Partition": "chem"},
    {"State": "COMPLETED", "JobID": "51.batch", "ReqCPUS": "4", "ReqMem": "2000Mc", "NNodes": "1",
     "Elapsed": "02:00:00", "Start": "2026-10-05T08:00:00", "End": "2026-10-05T10:00:00", "User": "",
     "NCPUS": "4", "TotalCPU": "07:10:00", "Partition": ""},
    # 2 nodes x 16 GB per node (`n`), 2 CPUs, one day: 48 core-hours, 32 GiB
    {"State": "COMPLETED", "JobID": "52", "ReqCPUS": "2", "ReqMem": "16Gn", "NNodes": "2",
     "Elapsed": "1-00:00:00", "Start": "2026-10-06T00:00:00", "End": "2026-10-07T00:00:00", "User": "bob",
     "NCPUS": "2", "TotalCPU": "40:00:00", "Partition": "physics"},
    # cancelled before it ran: no usage
    {"State": "CANCELLED by 1001", "JobID": "53", "ReqCPUS": "8", "ReqMem": "4G", "NNodes": "1",
     "Elapsed": "00:00:00", "Start": "None", "End": "2026-10-07T01:00:00", "User": "cid", "NCPUS": "0",
     "TotalCPU": "00:00:00", "Partition": "chem"},
]  # fmt: skip
# A headed dump from a cluster whose sacct has no AllocTRES: NCPUS, AllocMem, AllocGRES.
OLD_HEADER = ["JobID", "Account", "State", "Start", "End", "Elapsed", "NCPUS", "AllocMem", "AllocGRES"]
OLD_ROWS = [
    ["61", "proj-old", "COMPLETED", "2026-10-08T10:00:00", "2026-10-08T11:30:00", "01:30:00", "6", "12G",
     "gpu:a100:2"],
    ["62", "proj-old", "COMPLETED", "2026-10-09T10:00:00", "2026-10-09T10:10:00", "10:00", "1", "1G", ""],
]  # fmt: skip


def _duration_seconds(text: str) -> int:
    """Slurm's `[D-][HH:]MM:SS[.mmm]`, parsed here independently of the models."""
    days, _, clock = text.rpartition("-")
    parts = [int(float(p)) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    return int(days or 0) * 86400 + hours * 3600 + minutes * 60 + seconds


def _independent(rows: list[dict[str, str]], cpu_field: str) -> tuple[int, Decimal]:
    """Job rows (no `.` in JobID) that ran, and their core-hours, from the file itself."""
    jobs = [row for row in rows if "." not in row["JobID"] and _duration_seconds(row["Elapsed"]) > 0]
    core_seconds = sum(int(row[cpu_field]) * _duration_seconds(row["Elapsed"]) for row in jobs)
    return len(jobs), Decimal(core_seconds) / 3600


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("sacct_layouts")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    tundra = "\n".join("|".join(row[f] for f in TUNDRA_FIELDS) for row in TUNDRA_ROWS) + "\n"
    drop(landing, "scheduler/slurm/tundra/sacct_2026-10.txt", text=tundra)
    old = "\n".join("|".join(row) for row in [OLD_HEADER, *OLD_ROWS]) + "\n"
    drop(landing, "scheduler/slurm/fjord-gpu/sacct_2026-10_old.txt", text=old)
    drop(landing, "scheduler/slurm/habrok/habrok_sacct.txt", source=HABROK)
    report = ingest(landing, warehouse)
    assert not report.rejected, report.rejected
    dbt_build(warehouse, work, "+int_slurm_jobs__itemised")
    return warehouse


def _core_hours(warehouse: Path, file_name: str) -> tuple[int, Decimal]:
    ((jobs, core_seconds),) = query(
        warehouse,
        "select count(distinct job_id), sum(quantity_base) from intermediate.int_slurm_jobs__itemised "
        f"where sku_id = 'cpu_core_hour' and source_file like '%/{file_name}'",
    )
    return jobs, Decimal(core_seconds) / 3600


def test_a_cluster_declared_in_one_seed_row_bills_jobs_and_core_hours_of_its_file(built: Path) -> None:
    assert _core_hours(built, "sacct_2026-10.txt") == _independent(TUNDRA_ROWS, "NCPUS") == (2, Decimal(56))
    subjects = query(
        built,
        "select job_id, subject_id from intermediate.int_slurm_jobs__itemised "
        "where source_file like '%tundra/%' group by all order by job_id",
    )
    assert subjects == [("51", "chem"), ("52", "physics")]


def test_memory_from_req_mem_is_per_cpu_or_per_node(built: Path) -> None:
    memory = dict(
        query(
            built,
            "select job_id, units_per_second from intermediate.int_slurm_jobs__itemised "
            "where sku_id = 'memory_gib_hour' and source_file like '%tundra/%'",
        )
    )
    assert memory == {"51": Decimal(4 * 2000 * 2**20), "52": Decimal(2 * 16 * 2**30)}


def test_a_headed_dump_without_alloc_tres_reads_resources_field_by_field(built: Path) -> None:
    rows = [dict(zip(OLD_HEADER, row, strict=True)) for row in OLD_ROWS]
    assert _core_hours(built, "sacct_2026-10_old.txt") == _independent(rows, "NCPUS")
    lines = dict(
        query(
            built,
            "select sku_id, sum(quantity_base) from intermediate.int_slurm_jobs__itemised "
            "where source_file like '%sacct_2026-10_old.txt' group by sku_id",
        )
    )
    assert lines["gpu_hour_a100"] == Decimal(2 * 5400)
    assert lines["memory_gib_hour"] == Decimal(12 * 2**30 * 5400 + 1 * 2**30 * 600)


def test_real_habrok_dump_jobs_and_core_hours_match_an_independent_parse(built: Path) -> None:
    rows = [
        dict(zip(HABROK_FIELDS, line.split("☃"), strict=False))
        for line in HABROK.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    jobs = [row for row in rows if "." not in row["JobID"]]
    expected_core_seconds = sum(
        int(next(t[4:] for t in row["AllocTRES"].split(",") if t.startswith("cpu=")))
        * _duration_seconds(row["Elapsed"])
        for row in jobs
        if row["AllocTRES"]
    )
    ((staged_jobs, core_seconds),) = query(
        built,
        "select count(*), sum(allocated_cpu_count * elapsed_seconds) from staging.stg_slurm__jobs "
        "where source_file like '%habrok_sacct.txt' and not is_step_row and quarantine_detail is null",
    )
    assert staged_jobs == len(jobs)
    assert core_seconds == expected_core_seconds
