"""Integer minor units written as decimal text, for files and messages people read."""

from __future__ import annotations

import csv

from orchestration.wiring.settings import PROJECT_DIR

# Each currency's minor units (seeds/rating/currencies.csv), read where amounts are written.
CURRENCIES_CSV = PROJECT_DIR / "seeds" / "rating" / "currencies.csv"


def decimal_text(minor: int, minor_units: int) -> str:
    """`minor` as a decimal with exactly `minor_units` places, without floating point."""
    if minor_units == 0:
        return str(minor)
    sign, whole, fraction = (
        "-" if minor < 0 else "",
        abs(minor) // 10**minor_units,
        abs(minor) % 10**minor_units,
    )
    return f"{sign}{whole}.{fraction:0{minor_units}d}"


def minor_units() -> dict[str, int]:
    """Each currency's minor units, from the currencies seed."""
    with CURRENCIES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["currency_code"]: int(row["minor_units"]) for row in csv.DictReader(handle)}
