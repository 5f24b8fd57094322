"""The Google Cloud billing account's export flattened to CSV (`record.field` headers): one
line per VM per day, timestamps in US Pacific offsets, usage in seconds priced in hours,
credits as a JSON list. One day carries a promotional credit the contract does not know:
the vendor bills less than expected (an injected `under_billed` defect)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from orchestration.demo.clock import DAY
from orchestration.demo.cloud_lines import daily_charges, plain
from orchestration.demo.defects import Defect
from orchestration.demo.policy import Policy
from orchestration.demo.text import Written, write_csv_rows

VENDOR_ID = "meridian_gcp"
NODES = (("//compute.googleapis.com/projects/mtl-hpc/zones/europe-north1-a/instances/n2-01", "MG-N2-STD"),)
SKU_IDS = {"MG-N2-STD": "2D1B-6F3A-9C4E"}  # Google sku.id -> our vendor SKU
CREDIT_DAY, CREDIT = 11, Decimal("-0.50")
PACIFIC = timezone(timedelta(hours=-7))  # PDT, as Google writes usage times
HEADER = [
    "billing_account_id", "invoice.month", "service.id", "service.description", "sku.id", "sku.description",
    "usage_start_time", "usage_end_time", "project.id", "location.region", "resource.global_name", "labels",
    "cost", "currency", "cost_type", "usage.amount", "usage.unit", "usage.amount_in_pricing_units",
    "usage.pricing_unit", "credits",
]  # fmt: skip


def _pacific(instant: int) -> str:
    return datetime.fromtimestamp(instant, UTC).astimezone(PACIFIC).isoformat()


def write_gcp_billing(
    landing: Path, period: str, start: int, end: int, policy: Policy, *, defects_on: bool = True
) -> Written:
    relative = f"vendor_billing/gcp/{VENDOR_ID}/billing_export_{period}.csv"
    rows: list[list[str]] = []
    defects: list[Defect] = []
    for charge in daily_charges(VENDOR_ID, NODES, start, end, policy):
        credits = []
        if defects_on and (charge.start - start) // DAY == CREDIT_DAY:
            credits = [{"name": "Spending-based discount", "amount": float(CREDIT), "type": "PROMOTION"}]
            note = (
                f"{charge.resource_id} on day {CREDIT_DAY + 1}: a {CREDIT} credit the contract does not grant"
            )
            match = {
                "vendor_id": VENDOR_ID,
                "vendor_sku_id": charge.vendor_sku_id,
                "resource_id": charge.resource_id,
            }
            defects.append(
                Defect("under_billed", "gcp_unexpected_credit", note, match, relative, len(rows) + 1)
            )
        rows.append(
            [
                "01A2B3-C4D5E6-F7A8B9",
                period.replace("-", ""),
                "6F81-5844-456A",
                "Compute Engine",
                SKU_IDS[charge.vendor_sku_id],
                "N2 Instance Core running in Finland",
                _pacific(charge.start),
                _pacific(charge.end),
                "mtl-hpc",
                "europe-north1",
                charge.resource_id,
                '{"cluster": "burst"}',
                plain(charge.cost),
                "USD",
                "regular",
                str(int(charge.hours * 3600)),
                "seconds",
                plain(charge.hours),
                "hour",
                json.dumps(credits),
            ]
        )
    return Written(rows={relative: write_csv_rows(landing / relative, HEADER, rows, ",")}, defects=defects)
