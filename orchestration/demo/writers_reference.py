"""Operational reference files: customers, effective-dated assignments, machines and meters."""

from __future__ import annotations

from pathlib import Path

from orchestration.demo.meters import RATED_POWER_W
from orchestration.demo.text import Written, write_csv_rows
from orchestration.demo.world import World, assignment_row


def write_reference(landing: Path, world: World) -> Written:
    folder = landing / "reference"
    customers = [
        [c.customer_id, c.customer_name, c.country_code, c.currency_code, c.price_list_id, c.language_code]
        for c in world.customers
    ]
    machines = [
        [m.machine_id, m.site_id, m.meter_id, m.billing_mode, str(RATED_POWER_W[m.kind])]
        for m in sorted(world.machines, key=lambda m: m.machine_id)
    ]
    return Written(
        rows={
            "reference/customers.csv": write_csv_rows(
                folder / "customers.csv",
                [
                    "customer_id",
                    "customer_name",
                    "country_code",
                    "currency_code",
                    "price_list_id",
                    "language_code",
                ],
                customers,
            ),
            "reference/assignments.csv": write_csv_rows(
                folder / "assignments.csv",
                [
                    "assignment_id",
                    "subject_type",
                    "subject_id",
                    "customer_id",
                    "effective_from",
                    "effective_to",
                ],
                [assignment_row(a) for a in world.assignments],
            ),
            "reference/machines.csv": write_csv_rows(
                folder / "machines.csv",
                ["machine_id", "site_id", "meter_id", "billing_mode", "rated_power_w"],
                machines,
            ),
        }
    )
