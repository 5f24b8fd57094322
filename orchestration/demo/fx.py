"""Daily FX rates of the simulated month and the seeded policy that picks one (docs/rating.md, FX).

The rates are the generator's own model: the landing file `reference/fx_rates_<period>.csv`
is written from them and the truth converts with them, never by reading the file back.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from orchestration.demo.clock import DAY, period_bounds, utc_date
from orchestration.demo.policy import SEEDS_DIR, read_seed
from orchestration.demo.text import write_csv_rows

FX_SOURCE = "ecb"
# (base, quote, rate on the first day, daily drift): six decimals at most, like the contract says.
# EUR/SEK converts CUST-FI01's invoices; the other pairs let the margin mart convert costs.
PAIRS = (
    ("EUR", "SEK", Decimal("11.2417"), Decimal("0.003719")),
    ("EUR", "NOK", Decimal("11.6853"), Decimal("-0.002113")),
    ("USD", "NOK", Decimal("10.9732"), Decimal("0.001907")),
    ("EUR", "USD", Decimal("1.0843"), Decimal("0.000417")),
    ("USD", "SEK", Decimal("10.3681"), Decimal("0.002281")),
    ("NOK", "SEK", Decimal("0.962037"), Decimal("0.000119")),
    ("USD", "ETB", Decimal("57.1214"), Decimal("0.011352")),
    ("USD", "IDR", Decimal("15731.5"), Decimal("2.75")),
)
RateKey = tuple[str, str, str]  # date, base, quote
# The day whose rate is a pair's `first`: every day's rate is a function of its date alone, so
# the files of consecutive months agree on the days they share. Rates drift away from this day
# in both directions, so they stay positive in any month of the billable range.
FIRST_RATE_DAY = period_bounds("2026-10")[0] - 3 * DAY


def daily_rates(start: int, end: int) -> dict[RateKey, Decimal]:
    """One rate per pair and UTC day of `[start - 3 days, end)` (rates before the month: weekends)."""
    rates: dict[RateKey, Decimal] = {}
    for instant in range(start - 3 * DAY, end, DAY):
        day_number = abs(instant - FIRST_RATE_DAY) // DAY
        for base, quote, first, drift in PAIRS:
            rates[(utc_date(instant), base, quote)] = first + drift * day_number
    return rates


def load_fx_policies(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    rows = read_seed("rating/fx_policies.csv", seeds_dir)
    return {row["price_list_id"]: row["fx_rate_policy"] for row in rows}


def period_end_rate(rates: dict[RateKey, Decimal], end: int, base: str, quote: str) -> Decimal:
    """The rate of the period's last UTC day (policy `period_end`, and flat fees)."""
    return rates[(utc_date(end - DAY), base, quote)]


def write_fx_rates(landing: Path, period: str, rates: dict[RateKey, Decimal]) -> dict[str, int]:
    relative = f"reference/fx_rates_{period}.csv"
    rows = [
        [date, base, quote, f"{rate:f}", FX_SOURCE] for (date, base, quote), rate in sorted(rates.items())
    ]
    count = write_csv_rows(
        landing / relative, ["rate_date", "base_currency", "quote_currency", "rate", "source"], rows
    )
    return {relative: count}
