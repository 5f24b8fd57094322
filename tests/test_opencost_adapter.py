"""OpenCost adapter: the `/allocation` JSON response next to the CSV export of the same usage.

The JSON is unnested set-based at ingest (one raw row per allocation and step); staging bills
cpuCoreHours / ramByteHours, the CSV bills day averages x 86400 - for the same day they agree.
Conservation per source: every raw row has one status, and the quantity of the raw rows
(computed here from the files themselves) equals canonical + duplicate + excluded quantities.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.ingest.layouts import OPENCOST_COLUMNS
from tests.adapter_support import dbt_build, drop, ingest, query

GIB = 2**30


def _allocation(namespace: str, pod: str, day: int, cores: str, ram_gib: int) -> dict[str, object]:
    start, end = f"2026-10-{day:02d}T00:00:00Z", f"2026-10-{day + 1:02d}T00:00:00Z"
    return {
        "name": f"{namespace}/{pod}/main",
        "properties": {"cluster": "nimbus", "namespace": namespace, "pod": pod, "container": "main"},
        "window": {"start": start, "end": end},
        "start": start,
        "end": end,
        "minutes": 1440,
        "cpuCoreRequestAverage": float(cores),
        "cpuCoreUsageAverage": float(cores) / 2,
        "cpuCoreHours": float(Decimal(cores) * 24),
        "ramByteRequestAverage": ram_gib * GIB,
        "ramByteUsageAverage": ram_gib * GIB / 4,
        "ramByteHours": ram_gib * GIB * 24,
        "gpuCount": 0,
        "totalCost": 1.5,
    }


STEPS = [
    {
        "team-a/web/main": _allocation("team-a", "web", 1, "1.5", 2),
        "team-b/db/main": _allocation("team-b", "db", 1, "4", 16),
        "__idle__": {
            **_allocation("x", "y", 1, "2", 1),
            "name": "__idle__",
            "properties": {"cluster": "nimbus"},
        },
    },
    {
        "team-a/web/main": _allocation("team-a", "web", 2, "1.5", 2),
        # a window that is not one UTC day is quarantined, naming it
        "team-b/db/main": {
            **_allocation("team-b", "db", 2, "4", 16),
            "window": {"start": "2026-10-02T00:00:00Z"},
        },
    },
]
RESPONSE = {"code": 200, "status": "success", "data": STEPS}


def _csv() -> str:
    """The same day-1 usage of team-a as the CSV export, plus a verbatim copy (a duplicate)."""
    values = {
        "Date": "2026-10-01",
        "Namespace": "team-a",
        "Pod": "web",
        "Container": "main",
        "CPUCoreUsageAverage": "0.75",
        "CPUCoreRequestAverage": "1.5",
        "RAMBytesUsageAverage": str(GIB // 2),
        "RAMBytesRequestAverage": str(2 * GIB),
    }
    row = ",".join(values.get(c, "0") for c in OPENCOST_COLUMNS)
    return "\n".join([",".join(OPENCOST_COLUMNS), row, row]) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("opencost")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "scheduler/opencost/nimbus-k8s/allocation_2026-10.json", text=json.dumps(RESPONSE))
    drop(landing, "scheduler/opencost/nimbus-k8s/export_2026-10.csv", text=_csv())
    drop(landing, "scheduler/opencost/nimbus-k8s/error.json", text='{"code": 500, "message": "timeout"}')
    report = ingest(landing, warehouse)
    assert report.rejected == {
        "scheduler/opencost/nimbus-k8s/error.json": (
            "scheduler/opencost/nimbus-k8s/error.json: not an allocation response: code=500, data is missing"
        )
    }
    dbt_build(warehouse, work, "+int_opencost_allocations__deduplicated")
    return warehouse


def test_json_response_unnests_one_raw_row_per_allocation_in_document_order(built: Path) -> None:
    rows = query(built, "select _source_row, step_index, allocation_key from raw.opencost_allocation_records")
    expected = [(k, str(s)) for s, step in enumerate(STEPS, 1) for k in step]
    assert [(key, step) for _, step, key in sorted(rows)] == expected
    record = query(built, "select record from raw.opencost_allocation_records where _source_row = 1")[0][0]
    assert json.loads(record) == STEPS[0]["team-a/web/main"]  # verbatim


def test_json_and_csv_bill_the_same_day_the_same(built: Path) -> None:
    rows = query(
        built,
        "select record_format, cpu_core_seconds, ram_byte_seconds from staging.stg_opencost__allocations "
        "where namespace = 'team-a' and usage_date = date '2026-10-01' order by record_format, source_row",
    )
    day = (Decimal("1.5") * 86400, Decimal(2 * GIB * 86400))
    assert rows == [("api", *day), ("csv", *day), ("csv", *day)]


@pytest.mark.parametrize(
    ("namespace", "day", "expected"),
    [
        pytest.param("team-a", 1, {("canonical", None), ("duplicate", "duplicate_usage")}, id="csv-copy"),
        pytest.param("team-b", 1, {("canonical", None)}, id="api-allocation"),
        pytest.param("__idle__", 1, {("excluded", None)}, id="idle-policy-exclude"),
        pytest.param("team-b", 2, {("quarantined", "invalid_value")}, id="window-not-one-day"),
    ],
)
def test_row_fates(built: Path, namespace: str, day: int, expected: set[tuple[str, str | None]]) -> None:
    rows = query(
        built,
        "select distinct row_status, reason_code from intermediate.int_opencost_allocations__deduplicated "
        f"where namespace = '{namespace}' and (usage_date = date '2026-10-0{day}' or usage_date is null)",
    )
    assert set(rows) == expected


def test_conservation_in_rows_and_quantities(built: Path) -> None:
    raw_rows = query(
        built,
        "select (select count(*) from raw.opencost_allocations) "
        "+ (select count(*) from raw.opencost_allocation_records)",
    )[0][0]
    by_status = dict(
        query(
            built,
            "select row_status, count(*) from intermediate.int_opencost_allocations__deduplicated "
            "group by all",
        )
    )
    assert sum(by_status.values()) == raw_rows == 7  # 5 API allocations + 2 CSV rows
    # quantities: CPU core-seconds of the files, computed here, = the sum over every status
    api_hours = sum(Decimal(str(a["cpuCoreHours"])) for step in STEPS for a in step.values())
    csv_seconds = 2 * Decimal("1.5") * 86400
    totals = dict(
        query(
            built,
            "select row_status, sum(cpu_core_seconds) "
            "from intermediate.int_opencost_allocations__deduplicated group by all",
        )
    )
    assert sum(totals.values()) == api_hours * 3600 + csv_seconds
    # team-a's day 1 arrives three times (API + two CSV rows): billed once, two duplicates
    assert totals["duplicate"] == 2 * Decimal("1.5") * 86400
