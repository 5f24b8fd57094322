"""The Azure EA billing account's cost details, actual and amortised views: one line per VM
per day in EUR, US dates without leading zeros, quantities in `100 Hours` packs (0.24 = 24
hours). The amortised view repeats the month and must never be billed twice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from orchestration.demo.cloud_lines import daily_charges, plain
from orchestration.demo.policy import Policy
from orchestration.demo.text import Written, write_csv_rows

VENDOR_ID = "cobalt_azure"
NODES = (
    ("/subscriptions/5e7c/resourceGroups/rg-hpc/providers/Microsoft.Compute/virtualMachines/vm-01", "CA-D4S"),
)
METER_IDS = {"CA-D4S": "a5f5c7d3-2b1e-4c8a-9d0f-6e3b2a1c9d84"}  # Azure MeterId -> our vendor SKU
PACK = Decimal(100)  # UnitOfMeasure `100 Hours`
HEADER = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "AccountOwnerId", "SubscriptionId", "SubscriptionName", "Date", "MeterId", "MeterCategory",
    "MeterSubCategory", "MeterName", "MeterRegion", "Quantity", "EffectivePrice", "Cost", "UnitPrice",
    "BillingCurrency", "ResourceLocation", "ResourceId", "Tags", "UnitOfMeasure", "ChargeType", "Frequency",
    "PayGPrice", "PricingModel",
]  # fmt: skip


def _us_date(instant: int) -> str:
    day = datetime.fromtimestamp(instant, UTC)
    return f"{day.month}/{day.day}/{day.year}"


def write_azure_cost_details(landing: Path, period: str, start: int, end: int, policy: Policy) -> Written:
    rows = []
    for charge in daily_charges(VENDOR_ID, NODES, start, end, policy):
        rows.append(
            [
                "8611537",
                "Meterline Operations",
                _us_date(start),
                _us_date(end - 1),
                "ops@meterline.example",
                "5e7c",
                "hpc-burst",
                _us_date(charge.start),
                METER_IDS[charge.vendor_sku_id],
                "Virtual Machines",
                "Dsv5 Series",
                "D4s v5",
                "EU North",
                plain(charge.hours / PACK),
                plain(charge.unit_price * PACK),
                plain(charge.cost),
                plain(charge.unit_price * PACK),
                "EUR",
                "swedencentral",
                charge.resource_id,
                '"cluster": "burst", "owner ": "ops"',
                "100 Hours",
                "Usage",
                "UsageBased",
                plain(charge.unit_price * PACK),
                "OnDemand",
            ]
        )
    written = Written()
    for view in ("actual", "amortized"):
        relative = f"vendor_billing/azure/{VENDOR_ID}/costdetails_{view}_{period}.csv"
        written.rows[relative] = write_csv_rows(landing / relative, HEADER, rows, ",")
    return written
