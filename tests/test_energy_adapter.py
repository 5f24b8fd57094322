"""Energy adapters: the real SPEC PTDaemon power log integrated over time, and local times
across both DST transitions of Europe/Oslo (the repeated fall-back hour and the skipped
spring-forward hour) read without duplicates, gaps or negative energy; meters silent at the
edges of the billing period (dead on the 10th, back on the 20th, never reporting while
assigned) raise a `meter_gap` and bill nothing invented for the silent span.
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


# Meter silences at the edges of 2026-10 (osl1: hourly counters, gap threshold 60 minutes).
PERIOD_START, PERIOD_END = datetime(2026, 10, 1), datetime(2026, 11, 1)
HOUR = timedelta(hours=1)
EDGE_NAMES = ("trail", "lead", "dead", "ok")
EDGE_MACHINES = "machine_id,site_id,meter_id,billing_mode\n" + "".join(
    f"osl1-{name},osl1,OSL-{name.upper()},dedicated\n" for name in EDGE_NAMES
)
EDGE_ASSIGNMENTS = "assignment_id,subject_type,subject_id,customer_id,effective_from,effective_to\n"
EDGE_ASSIGNMENTS += "".join(
    f"ASG-{name},machine,osl1-{name},CUST-NO01,2025-01-01T00:00:00Z,\n" for name in EDGE_NAMES
)
TRAIL_LAST = datetime(2026, 10, 10, 12)  # dies on the 10th
LEAD_BEFORE, LEAD_FIRST = datetime(2026, 9, 30, 22), datetime(2026, 10, 20)  # back on the 20th


def _hourly(start: datetime, end: datetime) -> list[datetime]:
    """Every hour from start up to and including end."""
    return [start + i * HOUR for i in range((end - start) // HOUR + 1)]


EDGE_READINGS = {
    "OSL-TRAIL": _hourly(PERIOD_START - HOUR, TRAIL_LAST),
    "OSL-LEAD": [LEAD_BEFORE, *_hourly(LEAD_FIRST, PERIOD_END)],
    # readings just outside the period open and close its first and last intervals
    "OSL-OK": _hourly(PERIOD_START - HOUR / 2, PERIOD_END + HOUR / 2),
}


def _edge_counter_file() -> str:
    """osl1 counters in UTC (offset +00:00), +2 kWh per hour, decimal comma."""
    lines = ["MeterId;Timestamp;CounterKWh"]
    for meter, times in EDGE_READINGS.items():
        lines += [f"{meter};{at:%Y-%m-%dT%H:%M:%S}+00:00;{1000 + 2 * i},000" for i, at in enumerate(times)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """Two small builds (the power log is from 2020-12, the DST and edge files from 2026-10)."""
    work = tmp_path_factory.mktemp("energy")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "energy/cgk1/spl_testing_2020-12-23.txt", source=POWER_LOG)
    drop(landing, "energy/osl1/dst_fall_back.csv", text=_oslo_counter_file(FALL_BACK))
    drop(landing, "energy/osl1/dst_spring_forward.csv", text=_oslo_counter_file(SPRING_FORWARD))
    drop(landing, "reference/machines.csv", text=EDGE_MACHINES)
    drop(landing, "reference/assignments.csv", text=EDGE_ASSIGNMENTS)
    drop(landing, "energy/osl1/cumulative_kwh_2026-10.csv", text=_edge_counter_file())
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
    dbt_build(warehouse, work, "+int_energy__hourly +int_exceptions__meter_edge_gaps", period="2026-10")
    results["oslo_readings"] = query(
        warehouse,
        "select source_file, reading_at, quarantine_reason from staging.stg_energy__cumulative_kwh_readings "
        "where meter_id = 'DST' order by source_file, source_row",
    )
    results["oslo_intervals"] = query(
        warehouse,
        "select interval_start_at, interval_end_at, energy_joules, is_gap, gap_policy, is_estimated "
        "from intermediate.int_energy__intervals where meter_id = 'DST' order by interval_start_at",
    )
    results["oslo_dedup"] = query(
        warehouse,
        "select row_status, count(*) from intermediate.int_energy_readings__deduplicated "
        "where meter_id = 'DST' group by all",
    )
    # each exception with the reading its lineage cites (meter and UTC time)
    results["edge_exceptions"] = query(
        warehouse,
        "select exceptions.reason_code, exceptions.subject_type, exceptions.subject_id, "
        "exceptions.quantity_base, exceptions.detail, readings.meter_id, readings.reading_at "
        "from intermediate.int_exceptions__meter_edge_gaps as exceptions "
        "left join staging.stg_energy__cumulative_kwh_readings as readings "
        "on exceptions.source_file = readings.source_file and exceptions.source_row = readings.source_row "
        "where exceptions.subject_id like 'OSL-%' order by exceptions.subject_id",
    )
    results["edge_hourly"] = query(
        warehouse,
        "select meter_id, min(hour_start_at), max(hour_end_at), sum(energy_joules), "
        "sum(held_energy_joules), sum(estimated_energy_joules) "
        "from intermediate.int_energy__hourly where meter_id like 'OSL-%' "
        "group by meter_id order by meter_id",
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


def _utc(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M:%S}Z"


def test_meter_silent_at_the_period_edges_is_a_meter_gap(built: dict[str, list[tuple]]) -> None:
    rows = {row[2]: row for row in built["edge_exceptions"]}
    # the healthy meter raises nothing; each silent one exactly one gap, with no energy
    assert sorted(rows) == ["OSL-DEAD", "OSL-LEAD", "OSL-TRAIL"]
    assert len(built["edge_exceptions"]) == 3
    assert {(row[0], row[1], row[3]) for row in built["edge_exceptions"]} == {("meter_gap", "meter", None)}
    # the silent span (UTC) and the edge, then what is billed and which machine
    expected_spans = {
        # trailing: from the last reading to the period end
        "OSL-TRAIL": (TRAIL_LAST, PERIOD_END, "after its last reading of the period"),
        # leading: from the period start to the first reading, on the 20th
        "OSL-LEAD": (PERIOD_START, LEAD_FIRST, "before its first reading of the period"),
        # whole period: assigned all month, never a reading
        "OSL-DEAD": (PERIOD_START, PERIOD_END, "none in the whole period"),
    }
    for meter, (start, end, edge) in expected_spans.items():
        machine = "osl1-" + meter.removeprefix("OSL-").lower()
        assert rows[meter][4] == (
            f"no readings of meter {meter} from {_utc(start)} to {_utc(end)}, {edge}; "
            f"energy not measured, nothing estimated or billed (machine {machine}, dedicated)"
        )
    # lineage: the reading that opens the silence (the last one; the one before the period for
    # the leading edge); none for the meter that never reported
    assert rows["OSL-TRAIL"][5:] == ("OSL-TRAIL", TRAIL_LAST)
    assert rows["OSL-LEAD"][5:] == ("OSL-LEAD", LEAD_BEFORE)
    assert rows["OSL-DEAD"][5:] == (None, None)


def test_no_energy_is_invented_for_a_silent_edge(built: dict[str, list[tuple]]) -> None:
    kwh = Decimal(3_600_000)
    hourly = {row[0]: row[1:] for row in built["edge_hourly"]}
    # the silent meter has no hour at all
    assert sorted(hourly) == ["OSL-LEAD", "OSL-OK", "OSL-TRAIL"]
    # measured hours stop at the last reading and start at the first one of the period:
    # 2 kWh per hour measured, nothing held or estimated beyond it
    trail_hours = (TRAIL_LAST - PERIOD_START) // HOUR
    assert hourly["OSL-TRAIL"] == (PERIOD_START, TRAIL_LAST, 2 * kwh * trail_hours, 0, 0)
    lead_hours = (PERIOD_END - LEAD_FIRST) // HOUR
    assert hourly["OSL-LEAD"] == (LEAD_FIRST, PERIOD_END, 2 * kwh * lead_hours, 0, 0)
    # the healthy meter: every hour of the month, from the reading just after the period start
    # to the one just after its end (the first half hour belongs to September's last interval)
    month_hours = (PERIOD_END - PERIOD_START) // HOUR
    assert hourly["OSL-OK"] == (PERIOD_START, PERIOD_END, 2 * kwh * month_hours, 0, 0)
