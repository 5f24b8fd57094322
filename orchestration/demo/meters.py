"""Energy meters at the four sites: what each meter reports, and the energy it proves.

Every site reports in its own format (`seeds/sources/energy_sites.csv`). Alongside the
readings, each site carries `hour_joules`: the energy the contract's rules derive from those
readings, per meter and UTC hour of interval start (resets keep their energy, rollovers are
unwrapped, time lost in a gap is not billed). An `estimate` site also carries the energy it
fills in across its gap (`estimated_hour_joules`), which the truth bills only where the
contract allows it. It is computed from the simulated consumption,
not by parsing the readings back.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from orchestration.demo.clock import DAY, HOUR, period_bounds, previous_period
from orchestration.demo.defects import Defect, subject_defect
from orchestration.demo.policy import EnergySite
from orchestration.demo.world import Machine

WATTS = {"a100": (2400, 3200), "h100": (3600, 5200), "cpu": (450, 900), "server": (300, 1800)}
# Nameplate power per machine kind (machines.csv rated_power_w): about twice the top of the
# draw range, so daily swing and noise never look implausible.
RATED_POWER_W = {"a100": 6500, "h100": 10200, "cpu": 1800, "server": 3600}
JOULES_PER_WH = 3600
JOULES_PER_TENTH_KWH = 360_000
PTD_SAMPLE_SECONDS = 300
INTERVAL_SECONDS = 900

# Injected meter defects, as offsets from the period start.
RESET_HOUR = 9 * 24 + 14  # osl1 counter restarts from zero during this hour
HEL_GAP_START, HEL_GAP_INTERVALS = (13 * 24 + 2) * 4, 8  # two hours of 15-minute intervals
CGK_GAP_SAMPLE, CGK_GAP_SAMPLES = (6 * 24 + 10) * 12, 11  # samples after hh:00 missing for an hour
NEAR_ROLLOVER = 999_000  # an add1 register that wraps during the demo month
# Counters are one history across months: a counter's value at any month boundary is a function
# of the instant alone (its meter's steady draw since an anchor), and each month's hourly energy
# is scaled to end exactly there, so consecutive months' files meet at the same reading.
COUNTER_ORIGIN = period_bounds("2015-01")[0]  # cumulative Wh counters count from here
REGISTER_ANCHOR = period_bounds("2026-10")[0]  # the add1 registers read `first` at this instant


@dataclass(frozen=True)
class SiteReadings:
    site: EnergySite
    machines: tuple[Machine, ...]
    times: np.ndarray  # reading instants (UTC) shared by every meter of the site
    values: np.ndarray  # (meters, readings): counter, interval Wh or power in deciwatts
    present: np.ndarray  # (meters, readings): False where the meter reported nothing
    hour_joules: np.ndarray  # (meters, hours) billed energy per contract rules
    defects: tuple[Defect, ...]
    volts_d: np.ndarray | None = None  # power logs only: decivolts
    power_factor_m: np.ndarray | None = None  # power logs only: thousandths
    # (meters, hours) energy an `estimate` site fills in across gaps; billed only where allowed
    estimated_hour_joules: np.ndarray | None = None


def _mean_watts(
    rng: np.random.Generator, machines: tuple[Machine, ...], starts: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Average draw per machine over `[start, start + width)`: a base load, a daily swing, noise.

    Also returns the base load per machine: it is drawn first from a stream seeded per site, so
    it is the same in every month, which makes it the steady draw counters advance by.
    """
    low, high = np.array([WATTS[m.kind] for m in machines]).T
    base = rng.uniform(low, high)
    phase = rng.uniform(0, 1, len(machines))
    swing = 1 + 0.12 * np.sin(2 * np.pi * ((starts + width / 2) / DAY + phase[:, None]))
    noise = rng.normal(1, 0.04, (len(machines), len(starts)))
    return base[:, None] * swing * noise, base


def _site_rng(site: EnergySite) -> np.random.Generator:
    """Draws that must not change with the month's length (counter anchors)."""
    return np.random.default_rng(zlib.crc32(f"counters/{site.site_id}".encode()))


def _advance(watts: np.ndarray, since: int | np.ndarray, until: int, per_unit: int) -> np.ndarray:
    """Whole counter units a steady `watts` draw adds over `[since, until)` (units of per_unit J)."""
    return np.floor_divide(np.round(watts).astype(np.int64) * (until - np.asarray(since)), per_unit)


def _scaled_to(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integer per-column amounts proportional to `weights` (meters x columns) that add up to
    `totals` exactly: cumulative sums are rounded, so no column goes negative."""
    shares = weights / weights.sum(axis=1, keepdims=True) * totals[:, None]
    cumulative = np.round(np.cumsum(shares, axis=1)).astype(np.int64)
    cumulative[:, -1] = totals
    return np.diff(cumulative, axis=1, prepend=0)


def _period_of(start: int) -> str:
    return str(np.datetime64(start, "s").astype("datetime64[M]"))


def _counter_kwh(
    rng: np.random.Generator, site: EnergySite, machines: tuple[Machine, ...], start: int, end: int
) -> SiteReadings:
    hours = np.arange(start, end, HOUR, dtype=np.int64)
    watts, base = _mean_watts(rng, machines, hours, HOUR)
    first = _site_rng(site).integers(5_000_000, 80_000_000, len(machines))  # Wh at COUNTER_ORIGIN
    dedicated = [i for i, m in enumerate(machines) if m.billing_mode == "dedicated"]
    reset = dedicated[0] if dedicated else 0
    # The reset meter restarts from zero at RESET_HOUR of every month; the others never do.
    reset_at = start + RESET_HOUR * HOUR
    previous_reset = period_bounds(previous_period(_period_of(start)))[0] + RESET_HOUR * HOUR
    opening = first + _advance(base, COUNTER_ORIGIN, start, JOULES_PER_WH)
    closing = first + _advance(base, COUNTER_ORIGIN, end, JOULES_PER_WH)
    opening[reset] = _advance(base[reset], previous_reset, start, JOULES_PER_WH)
    closing[reset] = opening[reset] + round(watts[reset].sum())  # before the reset: unconstrained
    energy_wh = _scaled_to(watts, closing - opening)
    readings = np.concatenate([opening[:, None], opening[:, None] + np.cumsum(energy_wh, axis=1)], axis=1)
    # The meter restarted from zero at the start of RESET_HOUR: the reading after it equals
    # the hour's own energy, so the rule "a decrease is a reset" recovers every Wh.
    after_reset = _scaled_to(
        watts[reset : reset + 1, RESET_HOUR:], _advance(base[reset : reset + 1], reset_at, end, JOULES_PER_WH)
    )
    energy_wh[reset, RESET_HOUR:] = after_reset[0]
    readings[reset, RESET_HOUR + 1 :] = np.cumsum(after_reset[0])
    return SiteReadings(
        site=site,
        machines=machines,
        times=np.append(hours, end),
        values=readings,
        present=np.ones_like(readings, dtype=bool),
        hour_joules=energy_wh * JOULES_PER_WH,
        defects=(
            subject_defect(
                "meter_reset",
                "counter_restarted",
                "meter",
                machines[reset].meter_id,
                "the kWh counter restarted from zero; the interval's energy is the new reading",
            ),
        ),
    )


def _interval_wh(
    rng: np.random.Generator, site: EnergySite, machines: tuple[Machine, ...], start: int, end: int
) -> SiteReadings:
    times = np.arange(start, end, INTERVAL_SECONDS, dtype=np.int64)
    energy_wh = np.round(_mean_watts(rng, machines, times, INTERVAL_SECONDS)[0] / 4).astype(np.int64)
    present = np.ones_like(energy_wh, dtype=bool)
    gap = len(machines) - 1
    present[gap, HEL_GAP_START : HEL_GAP_START + HEL_GAP_INTERVALS] = False
    billed = np.where(present, energy_wh, 0) * JOULES_PER_WH
    hour_joules = billed.reshape(len(machines), -1, HOUR // INTERVAL_SECONDS).sum(axis=2)
    estimated = None
    if site.gap_policy == "estimate":
        # the interval before the gap holds its power across it, booked in that interval's hour
        estimated = np.zeros_like(hour_joules)
        before = HEL_GAP_START - 1
        estimated[gap, before // (HOUR // INTERVAL_SECONDS)] = (
            energy_wh[gap, before] * HEL_GAP_INTERVALS * JOULES_PER_WH
        )
    return SiteReadings(
        site=site,
        machines=machines,
        times=times,
        values=energy_wh,
        present=present,
        hour_joules=hour_joules,
        estimated_hour_joules=estimated,
        defects=(
            subject_defect(
                "meter_gap",
                "missing_intervals",
                "meter",
                machines[gap].meter_id,
                f"{HEL_GAP_INTERVALS} consecutive 15-minute intervals missing; their energy is not billed",
            ),
        ),
    )


def _tenth_kwh_counter(
    rng: np.random.Generator, site: EnergySite, machines: tuple[Machine, ...], start: int, end: int
) -> SiteReadings:
    if site.counter_rollover is None:
        raise ValueError(f"{site.site_id}: a tenth-kWh register needs counter_rollover")
    hours = np.arange(start, end, HOUR, dtype=np.int64)
    watts, base = _mean_watts(rng, machines, hours, HOUR)
    first = _site_rng(site).integers(100_000, 800_000, len(machines))
    first[0] = NEAR_ROLLOVER  # wraps within days of the demo month: a rollover, not a reset
    opening = first + _advance(base, REGISTER_ANCHOR, start, JOULES_PER_TENTH_KWH)
    closing = first + _advance(base, REGISTER_ANCHOR, end, JOULES_PER_TENTH_KWH)
    counts = _scaled_to(watts, closing - opening)
    registers = np.concatenate([opening[:, None], opening[:, None] + np.cumsum(counts, axis=1)], axis=1)
    return SiteReadings(
        site=site,
        machines=machines,
        times=np.append(hours, end),
        values=registers % site.counter_rollover,
        present=np.ones_like(registers, dtype=bool),
        hour_joules=counts * JOULES_PER_TENTH_KWH,
        defects=(),
    )


def _ptd_power_log(
    rng: np.random.Generator, site: EnergySite, machines: tuple[Machine, ...], start: int, end: int
) -> SiteReadings:
    times = np.arange(start, end, PTD_SAMPLE_SECONDS, dtype=np.int64)
    shape = (len(machines), len(times))
    deciwatts = np.round(_mean_watts(rng, machines, times, 0)[0] * 10).astype(np.int64)
    present = np.ones(shape, dtype=bool)
    present[0, CGK_GAP_SAMPLE + 1 : CGK_GAP_SAMPLE + 1 + CGK_GAP_SAMPLES] = False
    # Each sample holds until the next one present (the period end after the last sample),
    # for at most the gap threshold: the left Riemann sum of the contract.
    index = np.where(present, np.arange(len(times)), len(times))
    following = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
    next_index = np.concatenate([following[:, 1:], np.full((len(machines), 1), len(times))], axis=1)
    next_time = np.append(times, end)[next_index]
    hold = np.minimum(next_time - times, site.gap_threshold_seconds)
    decijoules = np.where(present, deciwatts * hold, 0)
    if np.any(decijoules % 10):
        raise AssertionError("power-log energy must be whole joules")
    per_hour = HOUR // PTD_SAMPLE_SECONDS
    return SiteReadings(
        site=site,
        machines=machines,
        times=times,
        values=deciwatts,
        present=present,
        hour_joules=(decijoules // 10).reshape(len(machines), -1, per_hour).sum(axis=2),
        defects=(
            subject_defect(
                "meter_gap",
                "missing_power_samples",
                "meter",
                machines[0].meter_id,
                "no power samples for an hour; the last sample holds for the gap threshold only",
            ),
        ),
        volts_d=rng.integers(2270, 2321, shape),
        power_factor_m=rng.integers(930, 991, shape),
    )


SIMULATORS = {
    "cumulative_kwh": _counter_kwh,
    "interval_wh": _interval_wh,
    "tenth_kwh_counter": _tenth_kwh_counter,
    "ptd_power_log": _ptd_power_log,
}


def simulate_site(
    rng: np.random.Generator, site: EnergySite, machines: tuple[Machine, ...], start: int, end: int
) -> SiteReadings:
    if site.gap_policy == "estimate" and site.reading_format != "interval_wh":
        raise NotImplementedError(f"{site.site_id}: the demo estimates gaps of interval_wh sites only")
    return SIMULATORS[site.reading_format](rng, site, machines, start, end)
