"""The cloud vendor's correction export: one injected defect per reconciliation class.

A second FOCUS file of the same invoice (`focus_<period>_corrections.csv`), the way vendors
ship credits and re-rated lines after the main export. Each line is built to land in exactly
one reconciliation class (fct_vendor_reconciliation) and is recognised by its file and row:
late_adjustment, period_drift, rounding, within_tolerance, over_billed, under_billed, plus a
burst of correctly priced nodes on one day that only the cost baseline flags (cost_anomaly).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

from orchestration.demo.clock import DAY, HOUR, iso_utc
from orchestration.demo.defects import Defect
from orchestration.demo.meters import SiteReadings
from orchestration.demo.policy import Policy
from orchestration.demo.text import Written
from orchestration.demo.writers_colo import JOULES_PER_KWH, POWER, measured_kwh
from orchestration.demo.writers_focus import COLUMNS, VENDOR_ID, _day_line, _render, _values

CENT = Decimal("0.01")
BURST_DAY, BURST_NODES = 24, 14  # an autoscaler gone wild: 14 extra nodes for one day
TIMEZONE_SHIFT_HOURS = -2  # a local (UTC+2) day billed as if it were UTC


@dataclass(frozen=True)
class _Injected:
    sku_id: str
    resource_id: str
    day: int
    cost_delta: Decimal  # BilledCost - quantity x contracted price (rounded)
    reason_code: str
    kind: str
    note: str
    charge_category: str = "Usage"
    shift_hours: int = 0
    previous_month: bool = False


INJECTED = (
    _Injected("NC-GP8-STD", "nimbus-node-05", 2, Decimal("-0.01"), "rounding", "focus_cost_truncated",
              "BilledCost truncated to the cent instead of rounded half-even (-0.01)"),
    _Injected("NC-MEM16-STD", "nimbus-node-06", 4, Decimal("0.04"), "within_tolerance",
              "focus_cost_within_tolerance", "BilledCost 0.04 above the expected amount, tolerance 0.05"),
    _Injected("NC-GP8-STD", "nimbus-node-07", 9, Decimal("4.00"), "over_billed", "focus_cost_surcharge",
              "BilledCost carries a 4.00 surcharge; quantity and unit price are the contracted ones"),
    _Injected("NC-MEM16-STD", "nimbus-node-08", 11, Decimal("-3.00"), "under_billed", "focus_cost_short",
              "BilledCost 3.00 below quantity x unit price; quantity and unit price are the contracted ones"),
    _Injected("NC-MEM16-STD", "nimbus-node-03", 30, Decimal(0), "period_drift", "focus_day_shifted",
              "billed from 22:00 UTC: a UTC+2 day taken as UTC", shift_hours=TIMEZONE_SHIFT_HOURS),
    _Injected("NC-GP8-STD", "nimbus-node-01", 14, Decimal(0), "late_adjustment", "focus_retro_credit",
              "a retro credit for a previous month's day", charge_category="Credit", previous_month=True),
)  # fmt: skip


def write_vendor_corrections(
    landing: Path, period: str, start: int, end: int, policy: Policy, *, defects_on: bool = True
) -> Written:
    """The correction file (only when defects are injected): one line per class, then the burst."""
    if not defects_on:
        return Written()
    relative = f"vendor_billing/focus/{VENDOR_ID}/focus_{period}_corrections.csv"
    rows: list[dict[str, str | None]] = []
    found: list[Defect] = []
    for injected in INJECTED:
        day_start = start + injected.day * DAY
        if injected.previous_month:
            day_start = start - (31 - injected.day) * DAY
        price = policy.vendor_price(VENDOR_ID, injected.sku_id, day_start).unit_price
        line = _day_line(
            injected.sku_id, injected.resource_id, day_start + injected.shift_hours * HOUR, price
        )
        values: dict[str, str | None] = dict(_values(line, period, start, end))
        values["BilledCost"] = str((line.billed() + injected.cost_delta).quantize(CENT, ROUND_HALF_EVEN))
        if injected.previous_month:
            credit = str(-line.billed())
            values.update(
                ChargeCategory=injected.charge_category,
                ChargeDescription=f"Credit: {injected.sku_id} instance hours {iso_utc(day_start)[:10]}",
                BilledCost=credit,
                ContractedCost=credit,
                EffectiveCost=credit,
                ListCost=credit,
                PricingQuantity=None,
                ConsumedQuantity=None,
            )
        values["ContractedCost"] = values["EffectiveCost"] = values["BilledCost"]
        rows.append(values)
        match = {"vendor_id": VENDOR_ID, "source_file": relative, "source_row": len(rows)}
        note = f"{injected.resource_id} {iso_utc(day_start)[:10]}: {injected.note}"
        found.append(Defect(injected.reason_code, injected.kind, note, match, relative, len(rows)))

    burst_start = start + BURST_DAY * DAY
    for n in range(1, BURST_NODES + 1):
        price = policy.vendor_price(VENDOR_ID, "NC-GP8-STD", burst_start).unit_price
        burst = _day_line("NC-GP8-STD", f"nimbus-burst-{n:02d}", burst_start, price)
        rows.append(dict(_values(burst, period, start, end)))
    note = f"{BURST_NODES} extra NC-GP8-STD nodes on {iso_utc(burst_start)[:10]}, each correctly priced"
    found.append(
        Defect(
            "cost_anomaly",
            "focus_autoscaler_burst",
            note,
            {"vendor_id": VENDOR_ID, "vendor_sku_id": "NC-GP8-STD", "source_system": "focus"},
        )
    )

    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(f'"{c}"' for c in COLUMNS) + "\n")
        for row in rows:
            handle.write(",".join(_render(c, row.get(c)) for c in COLUMNS) + "\n")
    return Written(rows={relative: len(rows)}, defects=found)


def colo_power_rounding(
    policy: Policy, sites: list[SiteReadings], start: int, *, defects_on: bool = True
) -> list[Defect]:
    """Colocation power printed to the Wh: where that moves the amount by a minor unit or more.

    Not injected but known: the vendor bills round(kWh to 3 places) x price, we expect
    round(joules x price / 3.6e6), each rounded half-even once. Where the two differ the line is
    `rounding` (auto-resolved). The vendor whose power is deliberately overstated is left out.
    """
    found = []
    for readings in sites:
        vendor_id, site_id = readings.site.vendor_id, readings.site.site_id
        if defects_on and vendor_id == "fjord_colo":
            continue
        price = Fraction(policy.vendor_price(vendor_id, POWER, start).unit_price)
        minor = 10 ** policy.minor_units[policy.vendor_price(vendor_id, POWER, start).currency_code]
        expected = round(Fraction(int(readings.hour_joules.sum())) * price * minor / int(JOULES_PER_KWH))
        billed = round(Fraction(measured_kwh(readings)) * price * minor)
        if billed != expected:
            note = f"power printed to the Wh moves the amount by {billed - expected} minor units"
            match = {"vendor_id": vendor_id, "vendor_sku_id": POWER, "site_id": site_id}
            relative = f"vendor_billing/colo/{vendor_id}/invoice_{policy_period(start)}.csv"
            found.append(Defect("rounding", "colo_power_rounded_to_wh", note, match, relative, 1))
    return found


def policy_period(start: int) -> str:
    return iso_utc(start)[:7]
