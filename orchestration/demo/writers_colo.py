"""Colocation vendors' monthly invoices, each in the vendor's own layout (seeds/sources)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from orchestration.demo.clock import last_day
from orchestration.demo.defects import Defect
from orchestration.demo.meters import SiteReadings
from orchestration.demo.policy import ColoLayout, Policy
from orchestration.demo.text import Written, write_csv_rows

POWER = "power_kwh"
SPACE = "space_rack_month"
CROSS_CONNECT = "cross_connect_month"
POWER_COMMIT = "power_commit_kw_month"  # committed kW per month, a contract item like space
JOULES_PER_KWH = Decimal(3_600_000)
KWH_PLACES = Decimal("0.001")

# Each vendor's wording: vendor sku -> (description, unit)
WORDING = {
    "fjord_colo": {
        POWER: ("Strøm, målt forbruk", "kWh"),
        SPACE: ("Rackplass 42U", "stk"),
        CROSS_CONNECT: ("Kryssoppkobling singlemode", "stk"),
        POWER_COMMIT: ("Kontraktsfestet effekt", "kW"),
    },
    "aurora_dc": {POWER: ("Metered power", "kWh"), SPACE: ("Rack space 42U", "rack")},
    "entoto_dc": {
        POWER: ("Electricity (metered)", "kWh"),
        SPACE: ("Rack space", "rack"),
        CROSS_CONNECT: ("Cross connect", "port"),
    },
    "nusantara_colo": {
        POWER: ("Listrik terukur", "kWh"),
        SPACE: ("Sewa rak 42U", "rak"),
        CROSS_CONNECT: ("Cross connect fiber", "port"),
    },
}
INVOICE_NUMBERS = {
    "fjord_colo": "FC-{ym}-118",
    "aurora_dc": "AUR-{ym}-0042",
    "entoto_dc": "ENT/{ym}/07",
    "nusantara_colo": "NSC-INV-{ym}-0093",
}
POWER_OVERSTATEMENT = Decimal("1.07")  # fjord_colo bills 7% more energy than our meters saw


@dataclass(frozen=True)
class _Line:
    vendor_sku_id: str
    quantity: Decimal
    unit_price: Decimal


def measured_kwh(readings: SiteReadings) -> Decimal:
    """Energy our meters proved at the site over the period, all machines, to the Wh."""
    return (Decimal(int(readings.hour_joules.sum())) / JOULES_PER_KWH).quantize(KWH_PLACES, ROUND_HALF_EVEN)


def _number(value: Decimal, places: int, layout: ColoLayout) -> str:
    return f"{value:.{places}f}".replace(".", layout.decimal_separator)


def _price_places(price: Decimal) -> int:
    """Rate-card prices keep their significant decimals (0.098), at least cents."""
    return max(2, len(format(price.normalize(), "f").partition(".")[2]))


def _invoice(
    vendor_id: str, site_id: str, readings: SiteReadings, policy: Policy, start: int, defects_on: bool = True
) -> tuple[list[_Line], list[Defect]]:
    """The lines the vendor bills, with this vendor's defect, and the defect it causes."""

    def price(sku: str) -> Decimal:
        return policy.vendor_price(vendor_id, sku, start).unit_price

    keys = {"vendor_id": vendor_id, "site_id": site_id}
    power = measured_kwh(readings)
    contracted = [
        (item.vendor_sku_id, item.quantity)
        for item in policy.contract_items
        if item.vendor_id == vendor_id and item.site_id == site_id
    ]
    lines = [_Line(POWER, power, price(POWER))] + [
        _Line(sku, quantity, price(sku)) for sku, quantity in contracted
    ]
    if not defects_on:
        return lines, []
    if vendor_id == "fjord_colo":
        billed = (power * POWER_OVERSTATEMENT).quantize(KWH_PLACES, ROUND_HALF_EVEN)
        lines[0] = _Line(POWER, billed, price(POWER))
        note = f"power billed {billed} kWh, our meters measured {power} kWh (+7%)"
        return lines, [
            Defect("quantity_mismatch", "colo_power_overstated", note, {**keys, "vendor_sku_id": POWER})
        ]
    if vendor_id == "aurora_dc":
        lines = [
            _Line(SPACE, Decimal(1), line.unit_price) if line.vendor_sku_id == SPACE else line
            for line in lines
        ]
        note = f"rack space billed for 1 rack, the contract has {dict(contracted)[SPACE]}"
        return lines, [
            Defect("quantity_mismatch", "colo_space_understated", note, {**keys, "vendor_sku_id": SPACE})
        ]
    if vendor_id == "entoto_dc":
        lines.append(_Line(CROSS_CONNECT, Decimal(1), price(CROSS_CONNECT)))
        note = "a cross-connect is billed but no contract item exists for it"
        return lines, [
            Defect(
                "unexpected_charge",
                "colo_uncontracted_cross_connect",
                note,
                {**keys, "vendor_sku_id": CROSS_CONNECT},
            )
        ]
    if vendor_id == "nusantara_colo":
        lines = [line for line in lines if line.vendor_sku_id != CROSS_CONNECT]
        note = "the contracted cross-connect is missing from the invoice"
        return lines, [
            Defect(
                "missing_in_bill",
                "colo_cross_connect_omitted",
                note,
                {**keys, "vendor_sku_id": CROSS_CONNECT},
            )
        ]
    return lines, []


def write_colo_invoices(
    landing: Path,
    period: str,
    start: int,
    end: int,
    policy: Policy,
    sites: list[SiteReadings],
    *,
    defects_on: bool = True,
) -> Written:
    written = Written()
    first_day = datetime.fromtimestamp(start, UTC)
    for readings in sites:
        vendor_id, site_id = readings.site.vendor_id, readings.site.site_id
        layout = policy.colo_layouts[vendor_id]
        lines, defects = _invoice(vendor_id, site_id, readings, policy, start, defects_on)
        invoice_id = INVOICE_NUMBERS[vendor_id].format(ym=period.replace("-", ""))
        rows = []
        for number, line in enumerate(lines, start=1):
            description, unit = WORDING[vendor_id][line.vendor_sku_id]
            amount = (line.quantity * line.unit_price).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
            canonical = {
                "invoice_id": invoice_id,
                "line_id": str(number),
                "period_start": first_day.strftime(layout.date_format),
                "period_end": last_day(end).strftime(layout.date_format),
                "description": description,
                "item_code": policy.vendor_item_codes[(vendor_id, line.vendor_sku_id)],
                "quantity": _number(line.quantity, 3 if line.vendor_sku_id == POWER else 0, layout),
                "unit": unit,
                "unit_price": _number(line.unit_price, _price_places(line.unit_price), layout),
                "amount": _number(amount, 2, layout),
            }
            rows.append([canonical[c] for c, _ in layout.columns])
        relative = f"vendor_billing/colo/{vendor_id}/invoice_{period}.csv"
        header = [source for _, source in layout.columns]
        written.rows[relative] = write_csv_rows(landing / relative, header, rows, layout.delimiter)
        for defect in defects:
            row = next(
                (
                    n
                    for n, line in enumerate(lines, start=1)
                    if line.vendor_sku_id == defect.match["vendor_sku_id"]
                ),
                None,
            )
            written.defects.append(
                Defect(defect.reason_code, defect.kind, defect.note, defect.match, relative, row)
            )
    return written
