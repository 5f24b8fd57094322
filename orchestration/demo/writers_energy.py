"""Energy readings, one landing format per site (contract section 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.demo.clock import LocalClock
from orchestration.demo.meters import INTERVAL_SECONDS, SiteReadings
from orchestration.demo.text import Written, clock, fixed, ints, join, strings, utc_offsets, write_lines

HEADERS = {
    "cumulative_kwh": "MeterId;Timestamp;CounterKWh",
    "interval_wh": "meter,interval_start_utc,interval_minutes,energy_wh",
    "tenth_kwh_counter": "DeviceSerial,ReadingTime,Register",
}
PTD_METERS_PER_BATCH = 64  # bounds memory when thousands of meters are written


def _grid(
    readings: SiteReadings, times: pa.Array, meters: slice = slice(None)
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """Meter id and time text for every present reading, meter-major, plus the flat mask."""
    present = readings.present[meters]
    meter_ids = strings([m.meter_id for m in readings.machines[meters]])
    meter_index, time_index = np.nonzero(present)
    return meter_ids.take(pa.array(meter_index)), times.take(pa.array(time_index)), present.ravel()


def _flat(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    return values.ravel()[present]


def _site_clock(readings: SiteReadings) -> LocalClock:
    return LocalClock(readings.site.timezone, int(readings.times[0]), int(readings.times[-1]))


def _local_text(readings: SiteReadings, pattern: str) -> pa.Array:
    return clock(_site_clock(readings).wall(readings.times), pattern)


def _cumulative_kwh(readings: SiteReadings, landing: Path, relative: str) -> int:
    local = _site_clock(readings)
    stamps = join(
        [clock(local.wall(readings.times), "%Y-%m-%dT%H:%M:%S"), utc_offsets(local.offsets(readings.times))]
    )
    meters, times, present = _grid(readings, stamps)
    lines = join([meters, times, fixed(_flat(readings.values, present), 3, ",")], ";")
    return write_lines(landing / relative, lines, HEADERS["cumulative_kwh"])


def _interval_wh(readings: SiteReadings, landing: Path, relative: str) -> int:
    meters, times, present = _grid(readings, clock(readings.times, "%Y-%m-%dT%H:%M:%SZ"))
    minutes = str(INTERVAL_SECONDS // 60)
    lines = join([meters, times, minutes, ints(_flat(readings.values, present))], ",")
    return write_lines(landing / relative, lines, HEADERS["interval_wh"])


def _tenth_kwh_counter(readings: SiteReadings, landing: Path, relative: str) -> int:
    meters, times, present = _grid(readings, _local_text(readings, "%d/%m/%Y %H:%M"))
    lines = join([meters, times, ints(_flat(readings.values, present))], ",")
    return write_lines(landing / relative, lines, HEADERS["tenth_kwh_counter"])


def _ptd_lines(readings: SiteReadings, times: pa.Array, meters: slice) -> pa.Array:
    if readings.volts_d is None or readings.power_factor_m is None:
        raise ValueError(f"{readings.site.site_id}: a power log needs volts and power factors")
    meter_ids, stamps, present = _grid(readings, times, meters)
    deciwatts = _flat(readings.values[meters], present)
    volts_d = _flat(readings.volts_d[meters], present)
    power_factor_m = _flat(readings.power_factor_m[meters], present)
    milliamps = np.round(deciwatts * 1_000_000 / (volts_d * power_factor_m)).astype(np.int64)
    return join(
        [
            "Time", stamps,
            "Watts", fixed(deciwatts, 1),
            "Volts", fixed(volts_d, 1),
            "Amps", fixed(milliamps, 3),
            "PF", fixed(power_factor_m, 3),
            "Mark", meter_ids,
        ],
        ",",
    )  # fmt: skip


def write_site(readings: SiteReadings, landing: Path, period: str) -> Written:
    """One file per site, except power logs: PTDaemon writes one log per meter (no header)."""
    site = readings.site
    folder = f"energy/{site.site_id}"
    if site.reading_format != "ptd_power_log":
        relative = f"{folder}/{site.reading_format}_{period}.csv"
        writer = {
            "cumulative_kwh": _cumulative_kwh,
            "interval_wh": _interval_wh,
            "tenth_kwh_counter": _tenth_kwh_counter,
        }
        return Written(rows={relative: writer[site.reading_format](readings, landing, relative)})

    written = Written()
    times = _local_text(readings, "%m-%d-%Y %H:%M:%S.000")
    for first in range(0, len(readings.machines), PTD_METERS_PER_BATCH):
        batch = slice(first, first + PTD_METERS_PER_BATCH)
        lines = _ptd_lines(readings, times, batch)
        counts = readings.present[batch].sum(axis=1)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        for machine, begin, stop in zip(readings.machines[batch], offsets[:-1], offsets[1:], strict=True):
            relative = f"{folder}/spl_{machine.meter_id}_{period}.txt"
            written.rows[relative] = write_lines(landing / relative, lines.slice(begin, stop - begin))
    return written
