"""Daily instance-hour charges of the cloud vendors that bill in their own export formats
(AWS CUR, Azure cost details, Google Cloud billing export): one line per node per day at
the vendor's rate card price, so every line reconciles unless a defect is placed on it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orchestration.demo.clock import DAY
from orchestration.demo.policy import Policy

HOURS_PER_DAY = Decimal(24)


@dataclass(frozen=True)
class DailyCharge:
    resource_id: str
    vendor_sku_id: str
    start: int
    end: int
    hours: Decimal
    unit_price: Decimal

    @property
    def cost(self) -> Decimal:
        """Exact cost as the vendor prints it (rounded only on our side, once)."""
        return self.hours * self.unit_price


def daily_charges(
    vendor_id: str, nodes: tuple[tuple[str, str], ...], start: int, end: int, policy: Policy
) -> list[DailyCharge]:
    return [
        DailyCharge(
            resource_id,
            sku_id,
            day_start,
            day_start + DAY,
            HOURS_PER_DAY,
            policy.vendor_price(vendor_id, sku_id, day_start).unit_price,
        )
        for day_start in range(start, end, DAY)
        for resource_id, sku_id in nodes
    ]


def plain(value: Decimal) -> str:
    """Shortest exact text: `4.608000` -> `4.608`."""
    return format(value.normalize(), "f")
