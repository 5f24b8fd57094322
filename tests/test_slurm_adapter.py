"""Slurm sacct adapter: the real Hábrók dump and one generated edge case per sacct quirk.

One small warehouse is ingested and built once for the module (dbt is the slow part); each
quirk is then one parametrised assertion on the staged, deduplicated and itemised rows.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.ingest.layouts import SLURM_COLUMNS, Declarations
from tests.adapter_support import dbt_build, drop, ingest, query
from tests.conftest import REAL_FIXTURES, SEEDS_DIR

HABROK = REAL_FIXTURES / "slurm" / "habrok_sacct.txt"
HABROK_FIELDS = Declarations.from_seeds(SEEDS_DIR).slurm_layouts["habrok"].fields
SNOWMAN = "☃"
HEADER_COLUMNS = [c for c in SLURM_COLUMNS if c != "_trailing_field"]


def _headerless(rows: list[dict[str, str]], trailing: str = "") -> str:
    """Hábrók-style `--parsable --noheader --delimiter=☃` lines in the declared field order."""
    lines = [SNOWMAN.join(row.get(f, "") for f in HABROK_FIELDS) + SNOWMAN + trailing for row in rows]
    return "\n".join(lines) + "\n"


def _with_header(rows: list[dict[str, str]]) -> str:
    """`--parsable` (trailing `|`) with a header line."""
    lines = ["|".join(HEADER_COLUMNS) + "|"]
    lines += ["|".join(row.get(c, "") for c in HEADER_COLUMNS) + "|" for row in rows]
    return "\n".join(lines) + "\n"


TRES_GPU = "billing=8,cpu=8,gres/gpu:a100=2,gres/gpu=2,mem=64G,node=1"
HABROK_EDGE = [
    # array job: 26 h (Elapsed with days), typed and untyped GPUs for the same two A100s
    {"JobID": "900_4", "User": "u_array", "State": "COMPLETED", "Start": "2026-10-05T10:00:00",
     "End": "2026-10-06T12:00:00", "Elapsed": "1-02:00:00", "AllocTRES": TRES_GPU},
    {"JobID": "900_4.batch", "State": "COMPLETED", "Start": "2026-10-05T10:00:00", "Elapsed": "1-02:00:00",
     "AllocTRES": "cpu=8,gres/gpu:a100=2,gres/gpu=2,mem=64G,node=1"},
    {"JobID": "900_4.extern", "State": "COMPLETED", "Start": "2026-10-05T10:00:00", "Elapsed": "1-02:00:00",
     "AllocTRES": TRES_GPU},
    {"JobID": "900_4.0", "State": "COMPLETED", "Start": "2026-10-05T10:00:05", "Elapsed": "1-01:59:50",
     "AllocTRES": "cpu=8,mem=64G,node=1"},
    # heterogeneous job component; Elapsed as MM:SS.mmm; memory in T
    {"JobID": "901+1", "User": "u_het", "State": "COMPLETED", "Start": "2026-10-07T08:00:00",
     "End": "2026-10-07T08:12:30", "Elapsed": "12:30.500", "AllocTRES": "cpu=4,mem=2T,node=1"},
    # cancelled before it started: None start, no allocation, nothing billed
    {"JobID": "902", "User": "u_cancel", "State": "CANCELLED by 10304007", "Start": "None",
     "End": "2026-10-07T09:00:00", "Elapsed": "00:00:00"},
    # still running: End Unknown, memory `0n`
    {"JobID": "903", "User": "u_run", "State": "RUNNING", "Start": "2026-10-30T12:00:00", "End": "Unknown",
     "Elapsed": "05:00:00", "AllocTRES": "cpu=2,mem=0n,node=1"},
    # an unparsable Elapsed is quarantined naming the column and value
    {"JobID": "905", "User": "u_bad", "State": "COMPLETED", "Start": "2026-10-08T08:00:00",
     "Elapsed": "ab:cd", "AllocTRES": "cpu=1,mem=1G,node=1"},
    # crosses the period start: 23:00 local (Europe/Amsterdam, UTC+2) on 30 Sep for 5 h
    {"JobID": "906", "User": "u_cross", "State": "COMPLETED", "Start": "2026-09-30T23:00:00",
     "End": "2026-10-01T04:00:00", "Elapsed": "05:00:00", "AllocTRES": "cpu=1,mem=1024M,node=1"},
]  # fmt: skip
FJORD_A = [
    # requeued: the first attempt is not billed, the final record is
    {"JobID": "700", "Account": "proj-requeue", "State": "REQUEUED", "Start": "2026-10-02T10:00:00",
     "ElapsedRaw": "600", "AllocTRES": "cpu=4,mem=1048576K,node=1"},
    {"JobID": "700", "Account": "proj-requeue", "State": "COMPLETED", "Start": "2026-10-02T11:00:00",
     "ElapsedRaw": "3600", "AllocTRES": "cpu=4,mem=1048576K,node=1"},
    # only an untyped GPU: billed as gpu_hour_untyped (never guessed), counted once
    {"JobID": "701", "Account": "proj-untyped", "State": "COMPLETED", "Start": "2026-10-03T10:00:00",
     "ElapsedRaw": "3600", "AllocTRES": "cpu=1,gres/gpu=1,mem=1G,node=1"},
]  # fmt: skip
# `sacct --duplicates`: the final record of job 700 again in the next dump
FJORD_B = [FJORD_A[1]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("slurm")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "scheduler/slurm/habrok/habrok_sacct.txt", source=HABROK)
    drop(landing, "scheduler/slurm/habrok/edge_a.txt", text=_headerless(HABROK_EDGE))
    drop(landing, "scheduler/slurm/habrok/edge_trailing.txt", text=_headerless(HABROK_EDGE[:1], "oops"))
    drop(landing, "scheduler/slurm/fjord-gpu/sacct_a.txt", text=_with_header(FJORD_A))
    drop(landing, "scheduler/slurm/fjord-gpu/sacct_b.txt", text=_with_header(FJORD_B))
    report = ingest(landing, warehouse)
    assert not report.rejected, report.rejected
    dbt_build(warehouse, work, "+int_slurm_jobs__itemised")
    return warehouse


def _job(warehouse: Path, job_id: str, file: str = "edge_a.txt") -> dict[str, object]:
    sql = f"""
        select d.row_status, d.reason_code, d.exclusion_reason, s.job_state_code, s.elapsed_seconds,
            s.slurm_account, s.started_at, s.quarantine_detail
        from intermediate.int_slurm_jobs__deduplicated as d
        join staging.stg_slurm__jobs as s using (source_file, source_row)
        where d.job_id = '{job_id}' and d.source_file like '%{file}'
    """
    (row,) = query(warehouse, sql)
    keys = ("status", "reason", "exclusion", "state", "elapsed", "subject", "started_at", "detail")
    return dict(zip(keys, row, strict=True))


def _lines(warehouse: Path, job_id: str) -> dict[str, tuple[Decimal, Decimal]]:
    rows = query(
        warehouse,
        "select sku_id, quantity_base, period_quantity_base from intermediate.int_slurm_jobs__itemised "
        f"where job_id = '{job_id}'",
    )
    return {sku: (quantity, in_period) for sku, quantity, in_period in rows}


def test_real_habrok_dump_ingests_with_every_row_explained(built: Path) -> None:
    raw = query(built, "select count(*) from raw.slurm_jobs where _source_file like '%habrok_sacct.txt'")
    assert raw == [(len(HABROK.read_text(encoding="utf-8").splitlines()),)]
    outcomes = dict(
        query(
            built,
            "select coalesce(reason_code, exclusion_reason, row_status), count(*) "
            "from intermediate.int_slurm_jobs__deduplicated where source_file like '%habrok_sacct.txt' "
            "group by all",
        )
    )
    assert sum(outcomes.values()) == 242
    # 2023-2024 jobs: nothing is quarantined, steps are recognised, the rest is outside 2026-10.
    assert "invalid_value" not in outcomes
    assert outcomes["slurm_step_row"] == 142
    # Every job row (not a step) parsed its Elapsed (the dump has no ElapsedRaw) and names its User.
    assert query(
        built,
        "select count(*) from staging.stg_slurm__jobs where source_file like '%habrok_sacct.txt' "
        "and not is_step_row and (elapsed_seconds is null or slurm_account is null)",
    ) == [(0,)]


@pytest.mark.parametrize(
    ("job_id", "expected"),
    [
        pytest.param(
            "900_4", {"status": "canonical", "elapsed": 93600, "subject": "u_array"}, id="array-id-days"
        ),
        pytest.param("900_4.batch", {"status": "excluded", "exclusion": "slurm_step_row"}, id="step-batch"),
        pytest.param("900_4.extern", {"status": "excluded", "exclusion": "slurm_step_row"}, id="step-extern"),
        pytest.param("900_4.0", {"status": "excluded", "exclusion": "slurm_step_row"}, id="step-srun"),
        pytest.param("901+1", {"status": "canonical", "elapsed": 750}, id="heterogeneous-id-mm-ss-mmm"),
        pytest.param(
            "902",
            {"status": "excluded", "exclusion": "no_usage", "state": "CANCELLED"},
            id="cancelled-by-uid",
        ),
        pytest.param("903", {"status": "canonical", "elapsed": 18000}, id="running-end-unknown"),
        pytest.param(
            "905",
            {"status": "quarantined", "reason": "invalid_value", "detail": "Elapsed='ab:cd'"},
            id="bad-elapsed",
        ),
    ],
)
def test_headerless_multibyte_quirks(built: Path, job_id: str, expected: dict[str, object]) -> None:
    job = _job(built, job_id)
    assert {key: job[key] for key in expected} == expected


def test_trailing_field_with_a_value_is_quarantined(built: Path) -> None:
    job = _job(built, "900_4", "edge_trailing.txt")
    assert job["status"] == "quarantined"
    assert job["detail"] == "a field after the declared field list: 'oops'"


def test_cluster_time_zone_converts_start_to_utc(built: Path) -> None:
    from datetime import datetime

    assert _job(built, "906")["started_at"] == datetime(2026, 9, 30, 21, 0, 0)


def test_typed_and_untyped_gpus_are_counted_once_and_memory_suffixes(built: Path) -> None:
    hours = 26 * 3600
    assert _lines(built, "900_4") == {
        "cpu_core_hour": (Decimal(8 * hours), Decimal(8 * hours)),
        "gpu_hour_a100": (Decimal(2 * hours), Decimal(2 * hours)),
        "memory_gib_hour": (Decimal(64 * 2**30 * hours), Decimal(64 * 2**30 * hours)),
    }
    assert _lines(built, "901+1")["memory_gib_hour"][0] == Decimal(2 * 2**40 * 750)
    assert set(_lines(built, "903")) == {"cpu_core_hour"}  # `mem=0n` is no memory line
    assert _lines(built, "701")["gpu_hour_untyped"][0] == Decimal(3600)


def test_job_crossing_the_period_start_is_split(built: Path) -> None:
    lines = _lines(built, "906")
    # 21:00 UTC on 30 Sep for 5 h: 3 h belong to September, 2 h to October.
    assert lines["cpu_core_hour"] == (Decimal(5 * 3600), Decimal(2 * 3600))


@pytest.mark.parametrize(
    ("file", "state", "expected"),
    [
        pytest.param("sacct_a.txt", "REQUEUED", ("duplicate", "requeued_attempt"), id="requeued-attempt"),
        pytest.param("sacct_a.txt", "COMPLETED", ("canonical", None), id="final-record-billed"),
        pytest.param("sacct_b.txt", "COMPLETED", ("duplicate", "duplicate_usage"), id="duplicates-copy"),
    ],
)
def test_requeued_and_duplicated_records_bill_once(
    built: Path, file: str, state: str, expected: tuple[str, str | None]
) -> None:
    rows = query(
        built,
        "select row_status, reason_code from intermediate.int_slurm_jobs__deduplicated "
        f"where job_id = '700' and source_file like '%{file}' and job_state_code = '{state}'",
    )
    assert rows == [expected]
    assert _lines(built, "700")["cpu_core_hour"][0] == Decimal(4 * 3600)
    assert _lines(built, "700")["memory_gib_hour"][0] == Decimal(2**30 * 3600)


def test_headerless_dump_with_the_wrong_field_count_is_rejected(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    drop(landing, "scheduler/slurm/habrok/short.txt", text="1☃2☃3☃\n4☃5☃6☃\n")
    report = ingest(landing, tmp_path / "meterline.duckdb")
    assert report.rejected == {
        "scheduler/slurm/habrok/short.txt": (
            "scheduler/slurm/habrok/short.txt: 4 fields per line, but the declared field list has 37"
        )
    }


def test_conservation_in_rows_and_quantities(built: Path) -> None:
    """Every raw row has one fate; CPU core-seconds of the raw job rows (parsed here from the raw
    text) = canonical + duplicate + excluded + quarantined core-seconds of the classified rows."""
    raw = query(
        built,
        """
        select count(*), sum(
            case when "JobID" not like '%.%' then
                try_cast(regexp_extract("AllocTRES", '(?:^|,)cpu=([0-9]+)', 1) as bigint)
                * coalesce(try_cast("ElapsedRaw" as bigint), 0)
            end
        )
        from raw.slurm_jobs where _source_file like '%fjord-gpu%'
        """,
    )[0]
    classified = query(
        built,
        """
        select row_status, count(*),
            sum(case when not is_step_row then allocated_cpu_count * elapsed_seconds end)
        from intermediate.int_slurm_jobs__deduplicated where source_file like '%fjord-gpu%' group by all
        """,
    )
    assert sum(rows for _, rows, _ in classified) == raw[0] == len(FJORD_A) + len(FJORD_B)
    assert sum(seconds or 0 for *_, seconds in classified) == raw[1]
