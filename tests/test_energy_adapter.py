"""Energy adapters: the real SPEC PTDaemon power log integrated over time, and local times
across both DST transitions of Europe/Oslo (the repeated fall-back hour and the skipped
spring-forward hour) read without duplicates, gaps or negative energy.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.adapter_support import dbt_build, drop, ingest, query
from tests.conftest import REAL_FIXTURES

POWER_LOG = REAL_FIXTURES / "power" / "spl_testing_2020-12-23.txt"
JAKARTA = timedelta(hours=7)  # cgk1's declared time zone (Asia/Jakarta, no DST)
QUARTER = timedelta(minutes=15)
MICRO = Decimal("0.000001")


def _oslo_counter_file(local_times: list[str]) -> str:
    """osl1 `MeterId;Timestamp;CounterKWh` with naive local times, +1 kWh per reading."""
    lines = ["MeterId;Timestamp;CounterKWh"]
    lines += [f"DST;{t};{100 + i}" for i, t in enumerate(local_times)]
    return "\n".join(lines) + "\n"


# 2026-10-25 03:00 CEST -> 02:00 CET: 02:00..02:45 local occur twice, once per offset.
FALL_BACK = [f"2026-10-25T{h}:{m:02d}:00" for h in ("01", "02") for m in (0, 15, 30, 45)]
FALL_BACK += [f"2026-10-25T02:{m:02d}:00" for m in (0, 15, 30, 45)]
FALL_BACK += ["2026-10-25T03:00:00", "2026-10-25T03:15:00"]
# 2026-03-29 02:00 CET -> 03:00 CEST: 02:00..02:45 local never happen.
SPRING_FORWARD = ["2026-03-29T01:30:00", "2026-03-29T01:45:00", "2026-03-29T03:00:00", "2026-03-29T03:15:00"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """Two small builds (the power log is from 2020-12, the DST files from 2026-10)."""
    work = tmp_path_factory.mktemp("energy")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "energy/cgk1/spl_testing_2020-12-23.txt", source=POWER_LOG)
    drop(landing, "energy/osl1/dst_fall_back.csv", text=_oslo_counter_file(FALL_BACK))
    drop(landing, "energy/osl1/dst_spring_forward.csv", text=_oslo_counter_file(SPRING_FORWARD))
    report = ingest(landing, warehouse)
    assert not report.rejected, report.rejected
    results: dict[str, list[tuple]] = {}
    dbt_build(warehouse, work, "+int_energy__hourly", period="2020-12")
    results["power_intervals"] = query(
        warehouse,
        "select interval_start_at, interval_end_at, energy_joules, is_gap "
        "from intermediate.int_energy__intervals where site_id = 'cgk1' order by interval_start_at",
    )
    results["power_hourly"] = query(
        warehouse, "select sum(energy_joules) from intermediate.int_energy__hourly where site_id = 'cgk1'"
    )
    dbt_build(warehouse, work, "+int_energy__hourly", period="2026-10")
    results["oslo_readings"] = query(
        warehouse,
        "select source_file, reading_at, quarantine_reason from staging.stg_energy__cumulative_kwh_readings "
        "where site_id = 'osl1' order by source_file, source_row",
    )
    results["oslo_intervals"] = query(
        warehouse,
        "select interval_start_at, interval_end_at, energy_joules, is_gap, gap_policy, is_estimated "
        "from intermediate.int_energy__intervals where site_id = 'osl1' order by interval_start_at",
    )
    results["oslo_dedup"] = query(
        warehouse,
        "select row_status, count(*) from intermediate.int_energy_readings__deduplicated "
        "where site_id = 'osl1' group by all",
    )
    return results


def _expected_power_joules() -> tuple[Decimal, int]:
    """Left Riemann sum of the log in Python: each sample holds until the next (W x s = J)."""
    samples = []
    for line in POWER_LOG.read_text().splitlines():
        fields = line.split(",")
        samples.append((datetime.strptime(fields[1], "%m-%d-%Y %H:%M:%S.%f"), Decimal(fields[3])))
    total = Decimal(0)
    for (at, watts), (next_at, _) in itertools.pairwise(samples):
        joules = watts * Decimal((next_at - at) // timedelta(milliseconds=1)) / 1000
        total += joules.quantize(MICRO, ROUND_HALF_EVEN)  # micro-joules, rounded once per interval
    # the last sample holds up to the site's gap threshold (15 min): then it is a gap, not estimated
    total += samples[-1][1] * 15 * 60
    return total, len(samples)


def test_real_power_log_is_integrated_over_time(built: dict[str, list[tuple]]) -> None:
    expected, samples = _expected_power_joules()
    intervals = built["power_intervals"]
    assert len(intervals) == samples
    assert sum(row[2] for row in intervals) == expected
    assert built["power_hourly"] == [(expected,)]
    # local PTD time (Asia/Jakarta) -> UTC
    first = datetime.strptime(POWER_LOG.read_text().split(",")[1], "%m-%d-%Y %H:%M:%S.%f")
    assert intervals[0][0] == first - JAKARTA
    # only the trailing hold after the last sample is a gap
    assert [row[3] for row in intervals].count(True) == 1 and intervals[-1][3]


def test_dst_fall_back_hour_is_read_twice_in_file_order(built: dict[str, list[tuple]]) -> None:
    fall = [row[1] for row in built["oslo_readings"] if row[0].endswith("dst_fall_back.csv")]
    start = datetime(2026, 10, 24, 23, 0)  # 01:00 CEST
    assert fall == [start + i * QUARTER for i in range(len(FALL_BACK))]
    assert {row[2] for row in built["oslo_readings"]} == {None}
    assert dict(built["oslo_dedup"]).get("duplicate", 0) == 0


def test_dst_fall_back_energy_is_continuous_and_never_negative(built: dict[str, list[tuple]]) -> None:
    intervals = built["oslo_intervals"]
    # 13 readings 15 minutes apart in UTC: 12 intervals of exactly 1 kWh, no gap, policy recorded
    assert len(intervals) == len(FALL_BACK) - 1
    assert {(end - start, energy) for start, end, energy, *_ in intervals} == {(QUARTER, Decimal(3_600_000))}
    assert {(is_gap, policy, estimated) for *_, is_gap, policy, estimated in intervals} == {
        (False, "hold", False)
    }


def test_dst_spring_forward_skipped_hour(built: dict[str, list[tuple]]) -> None:
    spring = [row[1] for row in built["oslo_readings"] if row[0].endswith("dst_spring_forward.csv")]
    start = datetime(2026, 3, 29, 0, 30)  # 01:30 CET
    assert spring == [start + i * QUARTER for i in range(len(SPRING_FORWARD))]
