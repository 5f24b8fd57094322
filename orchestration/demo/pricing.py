"""The pricing models of docs/rating.md, in exact Python arithmetic (Fraction / Decimal).

An implementation independent of the SQL macros: the demo truth and the rating property test
both compare the warehouse against it. Every amount is rounded half-even once, per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import ceil

from orchestration.demo.policy import PricingTerm, Tier


@dataclass(frozen=True)
class RatedLine:
    line_type: str  # usage | included | discount
    tier_number: int | None
    quantity_base: Fraction
    unit_price: Decimal  # the price per pricing unit the line shows
    net_minor: int


def round_half_even(value: Fraction) -> int:
    """Nearest integer, ties to even (`Fraction.__round__` is exact banker's rounding)."""
    return round(value)


def per_unit_minor(
    quantity_base: Fraction,
    unit_price: Decimal,
    base_per_unit: int,
    minor_units: int,
    fx_rate: Fraction = Fraction(1),
) -> int:
    """`fx_rate` converts the price-list currency to the invoice currency, exactly, before the rounding."""
    return round_half_even(quantity_base * Fraction(unit_price) * fx_rate * 10**minor_units / base_per_unit)


def _overlap(start: Fraction, end: Fraction, tier: Tier, base_per_unit: int) -> Fraction:
    low = Fraction(tier.start) * base_per_unit
    high = end if tier.end is None else min(end, Fraction(tier.end) * base_per_unit)
    return max(high - max(start, low), Fraction(0))


def usage_lines(
    quantity_base: Fraction,
    unit_price: Decimal,
    base_per_unit: int,
    minor_units: int,
    term: PricingTerm,
    tiers: tuple[Tier, ...] = (),
    cost_unit_price: Decimal | None = None,
    fx_rate: Fraction = Fraction(1),
) -> list[RatedLine]:
    """The lines one (customer, SKU, price list version) month of usage is invoiced on.
    `fx_rate` (one rate for the whole line) converts per-unit, graduated and volume prices."""
    q = Fraction(quantity_base)
    model = term.pricing_model
    if fx_rate != 1 and (model in ("package", "pass_through") or term.committed_quantity):
        raise ValueError(f"FX conversion is not supported for {model} or committed-use discounts")
    if model == "graduated":
        lines = []
        for tier in tiers:
            part = _overlap(Fraction(0), q, tier, base_per_unit)
            if part:
                net = per_unit_minor(part, tier.unit_price, base_per_unit, minor_units, fx_rate)
                lines.append(RatedLine("usage", tier.tier_number, part, tier.unit_price, net))
        return lines
    if model == "volume":
        reached = [
            t
            for t in tiers
            if Fraction(t.start) * base_per_unit <= q
            and (t.end is None or q < Fraction(t.end) * base_per_unit)
        ]
        (tier,) = reached
        net = per_unit_minor(q, tier.unit_price, base_per_unit, minor_units, fx_rate)
        return [RatedLine("usage", tier.tier_number, q, tier.unit_price, net)]

    lines = []
    included = min(q, Fraction(term.included_quantity) * base_per_unit) if term.included_quantity else None
    if included:
        lines.append(RatedLine("included", None, included, Decimal(0), 0))
    billable = q - (included or 0)
    if included is not None and not billable:
        return lines
    if model == "package":
        assert term.package_size is not None
        packages = ceil(billable / (Fraction(term.package_size) * base_per_unit))
        net = round_half_even(packages * Fraction(term.package_size) * Fraction(unit_price) * 10**minor_units)
        lines.append(RatedLine("usage", None, billable, unit_price, net))
    elif model == "pass_through":
        assert cost_unit_price is not None
        marked_up = cost_unit_price * (1 + term.markup_rate)
        lines.append(
            RatedLine(
                "usage",
                None,
                billable,
                marked_up,
                per_unit_minor(billable, marked_up, base_per_unit, minor_units),
            )
        )
    else:
        lines.append(
            RatedLine(
                "usage",
                None,
                billable,
                unit_price,
                per_unit_minor(billable, unit_price, base_per_unit, minor_units, fx_rate),
            )
        )
        if term.committed_quantity and term.committed_discount_rate and billable > 0:
            discounted = min(billable, Fraction(term.committed_quantity) * base_per_unit)
            off = unit_price * term.committed_discount_rate
            net = -per_unit_minor(discounted, off, base_per_unit, minor_units)
            lines.append(RatedLine("discount", None, discounted, -off, net))
    return lines


def amount_minor(amount: Decimal, minor_units: int) -> int:
    return round_half_even(Fraction(amount) * 10**minor_units)


def true_up_minor(commitment: Decimal, usage_net_minor: int, minor_units: int) -> int:
    """What a minimum monthly commitment adds: the shortfall of usage (never negative)."""
    return max(amount_minor(commitment, minor_units) - usage_net_minor, 0)
