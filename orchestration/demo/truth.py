"""Expected invoices of the simulated month (contract section 4), in exact arithmetic.

Computed from the generator's own model (jobs, allocations, metered energy), never by
reading the landing files back, so it checks the pipeline rather than mirroring it.
Quantities are summed exactly in base units per invoice line and rounded once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

import numpy as np

from orchestration.demo.clock import HOUR, utc_date
from orchestration.demo.fx import daily_rates, load_fx_policies, period_end_rate
from orchestration.demo.k8s import IDLE, UNALLOCATED, Allocations
from orchestration.demo.meters import SiteReadings
from orchestration.demo.policy import Policy, Price
from orchestration.demo.pricing import true_up_minor, usage_lines
from orchestration.demo.slurm import INVALID, REQUEUED, Jobs
from orchestration.demo.world import K8S_NAMESPACE, MACHINE, SLURM_ACCOUNT, World

MEMORY_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
SECONDS_PER_DAY = 86400
LineKey = tuple[str, str, str, int, int]  # customer, sku, price list, version, pass-through cost version


def round_half_even(value: Fraction) -> int:
    """Nearest integer, ties to even (`Fraction.__round__` is exact banker's rounding)."""
    return round(value)


def line_net_minor(quantity_base: Fraction, unit_price: Decimal, base_per_unit: int, minor_units: int) -> int:
    """`round_half_even(sum(quantity_base) x unit_price x 10^minor / base_units_per_pricing_unit)`."""
    return round_half_even(quantity_base * Fraction(unit_price) * 10**minor_units / base_per_unit)


def tax_minor(net_minor: int, rate: Decimal) -> int:
    return round_half_even(net_minor * Fraction(rate))


def money(minor: int, minor_units: int) -> str:
    return f"{Decimal(minor).scaleb(-minor_units):f}"


def exact_text(value: Fraction) -> str:
    """Base quantities are integers or thousandths (millicores); print them without rounding."""
    scaled = value * 10**6
    if scaled.denominator != 1:
        raise ValueError(f"{value} is not a finite decimal with 6 places")
    whole, fraction = divmod(scaled.numerator, 10**6)
    return f"{whole}.{fraction:06d}".rstrip("0").rstrip(".")


@dataclass
class Ledger:
    """Attributed, priced base quantities per (customer, SKU, price-list version)."""

    world: World
    policy: Policy
    quantities: dict[LineKey, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    prices: dict[LineKey, Price] = field(default_factory=dict)
    costs: dict[tuple[str, str, int], Price] = field(default_factory=dict)
    fx_policies: dict[str, str] = field(default_factory=load_fx_policies)

    def segments(
        self, subject_type: str, subject_id: str, start: int, end: int
    ) -> Iterator[tuple[int, int, str]]:
        """Pieces of `[start, end)` with one owner and one price version each (unowned skipped)."""
        changes = self.policy.customer_price_changes(self.world.start, self.world.end)
        for a, b, owner in self.world.owner_pieces(subject_type, subject_id, start, end):
            if owner is not None:
                cuts = [a, *(c for c in changes if a < c < b), b]
                for c, d in pairwise(cuts):
                    yield c, d, owner

    def allows_estimates(self, customer_id: str, at: int) -> bool:
        """The contract flag of the customer's energy price at `at` (customer_pricing_terms)."""
        price = self.policy.customer_price(self.world.customer(customer_id).price_list_id, "energy_kwh", at)
        return price is not None and self.policy.pricing_term(price).allow_estimated_usage

    def add(self, customer_id: str, sku_id: str, at: int, quantity: Fraction | int) -> None:
        if not quantity:
            return
        customer = self.world.customer(customer_id)
        price = self.policy.customer_price(customer.price_list_id, sku_id, at)
        if price is None or (
            price.currency_code != customer.currency_code and price.list_id not in self.fx_policies
        ):
            raise LookupError(f"{customer_id}: no {customer.currency_code} price for {sku_id} at {at}")
        term = self.policy.pricing_term(price)
        cost_version = 0
        if term.pricing_model == "pass_through":
            cost = self.policy.vendor_price(term.cost_vendor_id, term.cost_vendor_sku_id, at)
            cost_version = cost.version
            self.costs[(term.cost_vendor_id, term.cost_vendor_sku_id, cost.version)] = cost
        key = (customer_id, sku_id, price.list_id, price.version, cost_version)
        self.quantities[key] += Fraction(quantity)
        self.prices[key] = price


def _slurm(ledger: Ledger, jobs: Jobs) -> None:
    """Canonical job rows only: each record is one job; requeued attempts and garbled rows are out."""
    world = ledger.world
    billable = jobs.started & ~np.isin(jobs.tag, [REQUEUED, INVALID])
    for i in np.flatnonzero(billable):
        start = max(int(jobs.start[i]), world.start)
        end = min(int(jobs.start[i] + jobs.elapsed[i]), world.end)
        if end <= start:
            continue  # wholly outside the period: late usage or next month's
        per_second = {
            "cpu_core_hour": int(jobs.cpus[i]),
            "memory_gib_hour": int(jobs.mem_value[i]) * MEMORY_UNITS[str(jobs.mem_unit[i])],
        }
        if jobs.gpus[i]:
            per_second[f"gpu_hour_{jobs.gpu_type[i]}"] = int(jobs.gpus[i])
        for a, b, owner in ledger.segments(SLURM_ACCOUNT, str(jobs.account[i]), start, end):
            for sku_id, count in per_second.items():
                ledger.add(owner, sku_id, a, count * (b - a))


def _opencost(ledger: Ledger, rows: Allocations) -> None:
    """A whole day belongs to the owner and price in force at the day's start."""
    world = ledger.world
    cpu_m = np.maximum(rows.cpu_usage_m, rows.cpu_request_m)
    ram = np.maximum(rows.ram_usage, rows.ram_request)
    for namespace in np.unique(rows.namespace[~np.isin(rows.namespace, [IDLE, UNALLOCATED])]):
        mine = rows.namespace == namespace
        for a, b, owner in ledger.segments(K8S_NAMESPACE, str(namespace), world.start, world.end):
            days = mine & (rows.day >= a) & (rows.day < b)
            ledger.add(
                owner, "k8s_cpu_core_hour", a, Fraction(int(cpu_m[days].sum()) * SECONDS_PER_DAY, 1000)
            )
            ledger.add(owner, "k8s_memory_gib_hour", a, int(ram[days].sum()) * SECONDS_PER_DAY)


def _energy(ledger: Ledger, sites: list[SiteReadings]) -> None:
    """Dedicated machines only; an hour belongs to the owner and price in force at its start."""
    world = ledger.world
    hours = np.arange(world.start, world.end, HOUR)
    for readings in sites:
        for m, machine in enumerate(readings.machines):
            if machine.billing_mode != "dedicated":
                continue
            for a, b, owner in ledger.segments(MACHINE, machine.machine_id, world.start, world.end):
                in_piece = (hours >= a) & (hours < b)
                ledger.add(owner, "energy_kwh", a, int(readings.hour_joules[m, in_piece].sum()))
                if readings.estimated_hour_joules is not None and ledger.allows_estimates(owner, a):
                    ledger.add(owner, "energy_kwh", a, int(readings.estimated_hour_joules[m, in_piece].sum()))


def expected_invoices(
    world: World, policy: Policy, jobs: Jobs, allocations: Allocations, sites: list[SiteReadings]
) -> list[dict[str, Any]]:
    ledger = Ledger(world, policy)
    _slurm(ledger, jobs)
    _opencost(ledger, allocations)
    _energy(ledger, sites)

    lines_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add_line(customer_id: str, line: dict[str, Any], net: int, minor_units: int) -> None:
        customer = world.customer(customer_id)
        rule = policy.tax_rule(
            customer_id, customer.country_code, customer.currency_code, utc_date(world.start)
        )
        tax = tax_minor(net, Decimal(rule["tax_rate"]))
        totals[customer_id][0] += net
        totals[customer_id][1] += tax
        lines_of[customer_id].append(
            {
                **line,
                "net_amount": money(net, minor_units),
                "tax_amount": money(tax, minor_units),
                "tax_rule_id": rule["tax_rule_id"],
            }
        )

    rates = daily_rates(world.start, world.end)

    def fx_rate(price_list_id: str, base: str, quote: str) -> Fraction:
        """The demo converts under the period_end policy only (usage_date: dbt unit tests)."""
        if base == quote:
            return Fraction(1)
        if ledger.fx_policies[price_list_id] != "period_end":
            raise NotImplementedError(f"{price_list_id}: the demo truth converts at the period end only")
        return Fraction(period_end_rate(rates, world.end, base, quote))

    usage_net: dict[str, int] = defaultdict(int)
    for key in sorted(ledger.quantities):
        customer_id, sku_id, price_list_id, version, cost_version = key
        price, quantity = ledger.prices[key], ledger.quantities[key]
        invoice_currency = world.customer(customer_id).currency_code
        minor_units = policy.minor_units[invoice_currency]
        term = policy.pricing_term(price)
        cost = ledger.costs.get((term.cost_vendor_id, term.cost_vendor_sku_id, cost_version))
        rated = usage_lines(
            quantity,
            price.unit_price,
            policy.base_units[price.pricing_unit],
            minor_units,
            term,
            policy.tiers(price),
            cost.unit_price if cost else None,
            fx_rate(price_list_id, price.currency_code, invoice_currency),
        )
        for line in rated:
            usage_net[customer_id] += line.net_minor
            add_line(
                customer_id,
                {
                    "sku_id": sku_id,
                    "price_list_id": price_list_id,
                    "price_list_version": version,
                    "line_type": line.line_type,
                    "pricing_model": term.pricing_model,
                    "tier_number": line.tier_number,
                    "quantity_base": exact_text(line.quantity_base),
                    "unit_price": str(line.unit_price),
                },
                line.net_minor,
                minor_units,
            )

    # Recurring charges in force at the period start: flat fees, then minimum-commitment true-ups.
    for customer in world.customers:
        minor_units = policy.minor_units[customer.currency_code]
        # flat fees in another currency convert at the period-end rate; commitments must match
        charges = [
            c
            for c in policy.charges_in_force(customer.price_list_id, world.start)
            if c.currency_code == customer.currency_code or c.charge_type == "flat_fee"
        ]
        for charge in sorted(charges, key=lambda c: (c.charge_type != "flat_fee", c.charge_id)):
            if charge.charge_type == "flat_fee":
                rate = Fraction(1)
                if charge.currency_code != customer.currency_code:
                    pair = (charge.currency_code, customer.currency_code)
                    rate = Fraction(period_end_rate(rates, world.end, *pair))
                net = round_half_even(Fraction(charge.amount) * rate * 10**minor_units)
                line_type, model = "fee", "flat_fee"
            else:
                net = true_up_minor(charge.amount, usage_net[customer.customer_id], minor_units)
                line_type, model = "true_up", "minimum_commitment"
                if not net:
                    continue
            add_line(
                customer.customer_id,
                {
                    "sku_id": charge.charge_id,
                    "price_list_id": charge.price_list_id,
                    "price_list_version": charge.version,
                    "line_type": line_type,
                    "pricing_model": model,
                    "tier_number": None,
                    "quantity_base": "1",
                    "unit_price": money(net, minor_units),
                },
                net,
                minor_units,
            )

    invoices = []
    for customer_id in sorted(lines_of):
        customer = world.customer(customer_id)
        minor_units = policy.minor_units[customer.currency_code]
        net, tax = totals[customer_id]
        invoices.append(
            {
                "invoice_id": f"{customer_id}-{world.period}",
                "billing_period": world.period,
                "customer_id": customer_id,
                "currency_code": customer.currency_code,
                "net_amount": money(net, minor_units),
                "tax_amount": money(tax, minor_units),
                "gross_amount": money(net + tax, minor_units),
                "lines": lines_of[customer_id],
            }
        )
    return invoices
