"""The cloud vendor's FOCUS 1.2 cost-and-usage export: one Usage line per node per day."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from orchestration.demo.clock import DAY, iso_utc
from orchestration.demo.defects import Defect
from orchestration.demo.policy import Policy
from orchestration.demo.text import Written

VENDOR_ID = "nimbus_cloud"
COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
    "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
)  # fmt: skip
NUMERIC = {
    "BilledCost", "CommitmentDiscountQuantity", "ConsumedQuantity", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity",
}  # fmt: skip

NODES = (
    ("nimbus-node-01", "NC-GP8-STD"),
    ("nimbus-node-02", "NC-GP8-STD"),
    ("nimbus-node-03", "NC-MEM16-STD"),
    ("nimbus-node-04", "NC-MEM16-STD"),
)
VOLUME = ("nimbus-pv-pool", "NC-BLOCK-SSD", Decimal(500))  # GiB-months, one monthly line
LIST_PRICES = {"NC-GP8-STD": "0.48", "NC-MEM16-STD": "0.64", "NC-BLOCK-SSD": "0.10", "NC-GPU-L4": "1.35"}
UNMAPPED_SKU, UNMAPPED_RESOURCE, UNMAPPED_DAY = "NC-GPU-L4", "nimbus-gpu-01", 13
REPEATED_NODE, REPEATED_DAY = 1, 8  # this node-day's line appears twice
OVERPRICED_NODE, OVERPRICED_DAY, OVERPRICE = 2, 20, Decimal("1.10")
HOURS_PER_DAY = Decimal(24)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Line:
    sku_id: str
    resource_id: str
    start: int
    end: int
    quantity: Decimal
    unit: str
    contracted_price: Decimal

    def billed(self) -> Decimal:
        return (self.quantity * self.contracted_price).quantize(CENT, ROUND_HALF_EVEN)


def _plain(value: Decimal) -> str:
    """Shortest exact text: `0.384000` -> `0.384`, `24` -> `24`."""
    return format(value.normalize(), "f")


def _values(line: _Line, period: str, start: int, end: int) -> dict[str, str]:
    list_price = Decimal(LIST_PRICES[line.sku_id])
    billed = str(line.billed())
    is_storage = line.unit == "GB-Mo"
    return {
        "BilledCost": billed,
        "BillingAccountId": "nc-ba-55120",
        "BillingAccountName": "Meterline Operations",
        "BillingAccountType": "Billing Account",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": iso_utc(end),
        "BillingPeriodStart": iso_utc(start),
        "ChargeCategory": "Usage",
        "ChargeDescription": f"{line.sku_id} {'block storage' if is_storage else 'instance hours'}",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodEnd": iso_utc(line.end),
        "ChargePeriodStart": iso_utc(line.start),
        "ConsumedQuantity": _plain(line.quantity),
        "ConsumedUnit": "GB-Mo" if is_storage else "Hours",
        "ContractedCost": billed,
        "ContractedUnitPrice": _plain(line.contracted_price),
        "EffectiveCost": billed,
        "InvoiceId": f"NC-INV-{period.replace('-', '')}-0731",
        "InvoiceIssuerName": "Nimbus Cloud AS",
        "ListCost": str((line.quantity * list_price).quantize(CENT, ROUND_HALF_EVEN)),
        "ListUnitPrice": _plain(list_price),
        "PricingCategory": "Committed",
        "PricingCurrency": "USD",
        "PricingQuantity": _plain(line.quantity),
        "PricingUnit": line.unit,
        "ProviderName": "Nimbus Cloud",
        "PublisherName": "Nimbus Cloud",
        "RegionId": "eu-north-2",
        "RegionName": "Nordics (Oslo)",
        "ResourceId": line.resource_id,
        "ResourceName": line.resource_id,
        "ResourceType": "Block Storage" if is_storage else "Virtual Machine",
        "ServiceCategory": "Storage" if is_storage else "Compute",
        "ServiceName": "Nimbus Block Storage" if is_storage else "Nimbus Compute",
        "SkuId": line.sku_id,
        "SkuPriceId": f"{line.sku_id}-eu-north-2",
        "SubAccountId": "nc-sub-nimbus-k8s",
        "SubAccountName": "nimbus-k8s",
        "SubAccountType": "Project",
        "Tags": '{"cluster": "nimbus-k8s"}',
    }


def _render(column: str, value: str | None) -> str:
    """FOCUS exports quote text, leave numbers bare and write NULL for missing values."""
    if value is None:
        return "NULL"
    if column in NUMERIC:
        return value
    return '"' + value.replace('"', '""') + '"'


def _day_line(sku_id: str, resource_id: str, day_start: int, price: Decimal) -> _Line:
    return _Line(sku_id, resource_id, day_start, day_start + DAY, HOURS_PER_DAY, "Hours", price)


def write_focus(
    landing: Path, period: str, start: int, end: int, policy: Policy, *, defects_on: bool = True
) -> Written:
    relative = f"vendor_billing/focus/{VENDOR_ID}/focus_{period}.csv"
    lines: list[_Line] = []
    defects: list[Defect] = []

    def place(line: _Line, reason_code: str = "", kind: str = "", note: str = "") -> None:
        """Append a line; a defect on it is recognised by vendor, SKU and resource."""
        lines.append(line)
        if reason_code:
            match = {"vendor_id": VENDOR_ID, "vendor_sku_id": line.sku_id, "resource_id": line.resource_id}
            defects.append(Defect(reason_code, kind, note, match, relative, len(lines)))

    for day, day_start in enumerate(range(start, end, DAY)):
        date = iso_utc(day_start)[:10]
        for node, (resource_id, sku_id) in enumerate(NODES):
            price = policy.vendor_price(VENDOR_ID, sku_id, day_start).unit_price
            if defects_on and (node, day) == (OVERPRICED_NODE, OVERPRICED_DAY):
                billed = price * OVERPRICE
                note = f"{resource_id} on {date} priced {_plain(billed)}, contracted {_plain(price)}"
                place(
                    _day_line(sku_id, resource_id, day_start, billed),
                    "rate_mismatch",
                    "focus_price_above_contract",
                    note,
                )
            else:
                place(_day_line(sku_id, resource_id, day_start, price))
            if defects_on and (node, day) == (REPEATED_NODE, REPEATED_DAY):
                note = f"{resource_id} on {date}: the line appears twice, identical"
                place(lines[-1], "double_billed", "focus_line_repeated", note)
        if defects_on and day == UNMAPPED_DAY:
            place(_day_line(UNMAPPED_SKU, UNMAPPED_RESOURCE, day_start, Decimal(LIST_PRICES[UNMAPPED_SKU])))
            # An unmapped SKU has no vendor SKU: the exception is recognised by its row.
            note = f"SkuId {UNMAPPED_SKU} is not in vendor_sku_map"
            match = {"vendor_id": VENDOR_ID, "source_file": relative, "source_row": len(lines)}
            defects.append(Defect("sku_unmapped", "focus_unknown_sku", note, match, relative, len(lines)))
    resource_id, sku_id, quantity = VOLUME
    volume_price = policy.vendor_price(VENDOR_ID, sku_id, start).unit_price
    place(_Line(sku_id, resource_id, start, end, quantity, "GB-Mo", volume_price))

    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(f'"{c}"' for c in COLUMNS) + "\n")
        for line in lines:
            values = _values(line, period, start, end)
            handle.write(",".join(_render(c, values.get(c)) for c in COLUMNS) + "\n")
    return Written(rows={relative: len(lines)}, defects=defects)
