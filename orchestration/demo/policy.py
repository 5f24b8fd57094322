"""The billing policy the demo month is priced with, read from `seeds/`.

The generator reads the seeds (prices, tax, vendor rate cards, layouts) but never the files it
writes, so the truth it computes is independent of the pipeline's parsing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orchestration.demo.clock import parse_utc

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


def read_seed(relative: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / relative).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Price:
    """One versioned price of a customer price list or vendor rate card."""

    list_id: str
    version: int
    start: int
    end: int | None
    sku_id: str
    currency_code: str
    unit_price: Decimal
    pricing_unit: str

    def covers(self, instant: int) -> bool:
        return self.start <= instant and (self.end is None or instant < self.end)


@dataclass(frozen=True)
class EnergySite:
    site_id: str
    vendor_id: str
    timezone: str
    reading_format: str
    counter_rollover: int | None
    gap_threshold_seconds: int
    gap_policy: str = "hold"  # hold | estimate (seeds/sources/energy_sites.csv)


@dataclass(frozen=True)
class ColoLayout:
    vendor_id: str
    delimiter: str
    decimal_separator: str
    date_format: str
    currency_code: str
    columns: tuple[tuple[str, str], ...]  # (canonical_column, source_column) in file order


@dataclass(frozen=True)
class ContractItem:
    vendor_id: str
    vendor_sku_id: str
    site_id: str
    quantity: Decimal


@dataclass(frozen=True)
class PricingTerm:
    """How one (price list, version, SKU) is priced beyond per-unit (seeds/rating/customer_pricing_terms)."""

    pricing_model: str
    package_size: Decimal | None
    included_quantity: Decimal
    committed_quantity: Decimal
    committed_discount_rate: Decimal
    cost_vendor_id: str
    cost_vendor_sku_id: str
    markup_rate: Decimal
    allow_estimated_usage: bool = False


PER_UNIT = PricingTerm("per_unit", None, Decimal(0), Decimal(0), Decimal(0), "", "", Decimal(0))


@dataclass(frozen=True)
class Tier:
    tier_number: int
    start: Decimal  # pricing units, inclusive
    end: Decimal | None  # pricing units, exclusive; None = open-ended
    unit_price: Decimal


@dataclass(frozen=True)
class RecurringCharge:
    price_list_id: str
    charge_id: str
    version: int
    start: int
    end: int | None
    charge_type: str  # flat_fee | minimum_commitment
    currency_code: str
    amount: Decimal

    def covers(self, instant: int) -> bool:
        return self.start <= instant and (self.end is None or instant < self.end)


def _decimal(text: str, default: Decimal | None = None) -> Decimal | None:
    return Decimal(text) if text else default


def _terms(rows: list[dict[str, str]]) -> dict[tuple[str, int, str], PricingTerm]:
    return {
        (row["price_list_id"], int(row["price_list_version"]), row["sku_id"]): PricingTerm(
            pricing_model=row["pricing_model"],
            package_size=_decimal(row["package_size"]),
            included_quantity=_decimal(row["included_quantity"], Decimal(0)) or Decimal(0),
            committed_quantity=_decimal(row["committed_quantity"], Decimal(0)) or Decimal(0),
            committed_discount_rate=_decimal(row["committed_discount_rate"], Decimal(0)) or Decimal(0),
            cost_vendor_id=row["cost_vendor_id"],
            cost_vendor_sku_id=row["cost_vendor_sku_id"],
            markup_rate=_decimal(row["markup_rate"], Decimal(0)) or Decimal(0),
            allow_estimated_usage=row.get("allow_estimated_usage", "").lower() == "true",
        )
        for row in rows
    }


def _tiers(rows: list[dict[str, str]]) -> dict[tuple[str, int, str], tuple[Tier, ...]]:
    tiers: dict[tuple[str, int, str], list[Tier]] = {}
    for row in rows:
        key = (row["price_list_id"], int(row["price_list_version"]), row["sku_id"])
        tiers.setdefault(key, []).append(
            Tier(
                int(row["tier_number"]),
                Decimal(row["from_quantity"]),
                _decimal(row["to_quantity"]),
                Decimal(row["unit_price"]),
            )
        )
    return {key: tuple(sorted(found, key=lambda t: t.tier_number)) for key, found in tiers.items()}


def _prices(rows: list[dict[str, str]], list_key: str, version_key: str) -> tuple[Price, ...]:
    return tuple(
        Price(
            list_id=row[list_key],
            version=int(row[version_key]),
            start=parse_utc(row["effective_from"]),
            end=parse_utc(row["effective_to"]) if row["effective_to"] else None,
            sku_id=row["sku_id" if "sku_id" in row else "vendor_sku_id"],
            currency_code=row["currency_code"],
            unit_price=Decimal(row["unit_price"]),
            pricing_unit=row["pricing_unit"],
        )
        for row in rows
    )


def _find(prices: tuple[Price, ...], list_id: str, sku_id: str, instant: int) -> Price | None:
    found = [p for p in prices if p.list_id == list_id and p.sku_id == sku_id and p.covers(instant)]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Policy:
    customer_prices: tuple[Price, ...]
    vendor_prices: tuple[Price, ...]
    base_units: dict[str, int]
    minor_units: dict[str, int]
    tax_rates: tuple[dict[str, str], ...]
    vendor_item_codes: dict[tuple[str, str], str]  # (vendor_id, vendor_sku_id) -> item code
    contract_items: tuple[ContractItem, ...]
    energy_sites: dict[str, EnergySite]
    colo_layouts: dict[str, ColoLayout]
    cluster_timezones: dict[str, str]
    reason_codes: frozenset[str]
    pricing_terms: dict[tuple[str, int, str], PricingTerm]
    price_tiers: dict[tuple[str, int, str], tuple[Tier, ...]]
    recurring_charges: tuple[RecurringCharge, ...]
    tax_profiles: tuple[dict[str, str], ...]
    issuing_entities: tuple[dict[str, str], ...]
    entity_rules: tuple[dict[str, str], ...]
    tax_jurisdictions: tuple[dict[str, str], ...]

    def pricing_term(self, price: Price) -> PricingTerm:
        return self.pricing_terms.get((price.list_id, price.version, price.sku_id), PER_UNIT)

    def tiers(self, price: Price) -> tuple[Tier, ...]:
        return self.price_tiers.get((price.list_id, price.version, price.sku_id), ())

    def charges_in_force(self, price_list_id: str, instant: int) -> list[RecurringCharge]:
        return [c for c in self.recurring_charges if c.price_list_id == price_list_id and c.covers(instant)]

    def customer_price(self, price_list_id: str, sku_id: str, instant: int) -> Price | None:
        return _find(self.customer_prices, price_list_id, sku_id, instant)

    def vendor_price(self, vendor_id: str, vendor_sku_id: str, instant: int) -> Price:
        price = _find(self.vendor_prices, vendor_id, vendor_sku_id, instant)
        if price is None:
            raise LookupError(f"no vendor rate for {vendor_id}/{vendor_sku_id}")
        return price

    def customer_price_changes(self, start: int, end: int) -> list[int]:
        """Instants strictly inside `(start, end)` where any customer price version changes."""
        edges = {p.start for p in self.customer_prices} | {
            p.end for p in self.customer_prices if p.end is not None
        }
        return sorted(edge for edge in edges if start < edge < end)

    def issuing_entity(self, country_code: str, currency_code: str) -> dict[str, str]:
        """The entity invoicing a customer: the first entity rule (lowest rule_order) matching its
        country and currency, `*` matching anything."""
        rules = sorted(self.entity_rules, key=lambda rule: int(rule["rule_order"]))
        entity_id = next(
            rule["issuing_entity_id"]
            for rule in rules
            if rule["customer_country_code"] in ("*", country_code)
            and rule["currency_code"] in ("*", currency_code)
        )
        return next(e for e in self.issuing_entities if e["issuing_entity_id"] == entity_id)

    def tax_rule(self, customer_id: str, country_code: str, currency_code: str, date: str) -> dict[str, str]:
        """The rule taxing a customer's lines on a `YYYY-MM-DD` date (the period start):
        exemption, else intra-EU B2B reverse charge, else the country's standard rule. A customer
        without a profile in force has no rule: the product invoices it nothing (tax_profile_missing)."""

        def in_force(row: dict[str, str]) -> bool:
            return row["effective_from"] <= date and (not row["effective_to"] or date < row["effective_to"])

        profile = next(
            (p for p in self.tax_profiles if p["customer_id"] == customer_id and in_force(p)), None
        )
        if profile is None:
            raise LookupError(f"no tax profile in force for {customer_id} on {date}")
        entity = self.issuing_entity(country_code, currency_code)
        eu = {
            j["country_code"] for j in self.tax_jurisdictions if in_force(j) and j["is_eu_member"] == "true"
        }
        rules = [r for r in self.tax_rates if in_force(r)]
        if profile["exemption_tax_rule_id"]:
            found = [r for r in rules if r["tax_rule_id"] == profile["exemption_tax_rule_id"]]
        elif (
            profile["customer_type"] == "business"
            and profile["vat_number"]
            and {country_code, entity["country_code"]} <= eu
            and country_code != entity["country_code"]
        ):
            found = [
                r
                for r in rules
                if r["country_code"] == country_code and r["tax_treatment"] == "reverse_charge"
            ]
        else:
            found = [
                r
                for r in rules
                if r["country_code"] == country_code and r["tax_treatment"] in ("standard", "out_of_scope")
            ]
        if len(found) != 1:
            raise LookupError(f"no single tax rule for {customer_id} ({country_code}) on {date}: {found}")
        return found[0]


def load_policy(seeds_dir: Path = SEEDS_DIR) -> Policy:
    layout_columns: dict[str, list[tuple[str, str]]] = {}
    for row in read_seed("sources/colo_layout_columns.csv", seeds_dir):
        layout_columns.setdefault(row["vendor_id"], []).append(
            (row["canonical_column"], row["source_column"])
        )
    return Policy(
        customer_prices=_prices(
            read_seed("rating/customer_price_lists.csv", seeds_dir), "price_list_id", "price_list_version"
        ),
        vendor_prices=_prices(
            read_seed("rating/vendor_rate_cards.csv", seeds_dir), "vendor_id", "rate_card_version"
        ),
        base_units={
            row["pricing_unit"]: int(row["base_units_per_pricing_unit"])
            for row in read_seed("rating/units.csv", seeds_dir)
        },
        minor_units={
            row["currency_code"]: int(row["minor_units"])
            for row in read_seed("rating/currencies.csv", seeds_dir)
        },
        tax_rates=tuple(read_seed("rating/tax_rates.csv", seeds_dir)),
        vendor_item_codes={
            (row["vendor_id"], row["vendor_sku_id"]): row["vendor_item_code"]
            for row in read_seed("rating/vendor_sku_map.csv", seeds_dir)
        },
        contract_items=tuple(
            ContractItem(
                row["vendor_id"], row["vendor_sku_id"], row["site_id"], Decimal(row["contracted_quantity"])
            )
            for row in read_seed("rating/vendor_contract_items.csv", seeds_dir)
        ),
        energy_sites={
            row["site_id"]: EnergySite(
                site_id=row["site_id"],
                vendor_id=row["vendor_id"],
                timezone=row["timezone"],
                reading_format=row["reading_format"],
                counter_rollover=int(row["counter_rollover"]) if row["counter_rollover"] else None,
                gap_threshold_seconds=int(row["gap_threshold_minutes"]) * 60,
                gap_policy=row["gap_policy"],
            )
            for row in read_seed("sources/energy_sites.csv", seeds_dir)
        },
        colo_layouts={
            row["vendor_id"]: ColoLayout(
                vendor_id=row["vendor_id"],
                delimiter=row["delimiter"],
                decimal_separator=row["decimal_separator"],
                date_format=row["date_format"],
                currency_code=row["currency_code"],
                columns=tuple(layout_columns[row["vendor_id"]]),
            )
            for row in read_seed("sources/colo_vendor_layouts.csv", seeds_dir)
        },
        cluster_timezones={
            row["cluster_id"]: row["timezone"]
            for row in read_seed("sources/scheduler_clusters.csv", seeds_dir)
        },
        reason_codes=frozenset(
            row["reason_code"] for row in read_seed("reconciliation/reason_codes.csv", seeds_dir)
        ),
        pricing_terms=_terms(read_seed("rating/customer_pricing_terms.csv", seeds_dir)),
        price_tiers=_tiers(read_seed("rating/customer_price_tiers.csv", seeds_dir)),
        recurring_charges=tuple(
            RecurringCharge(
                price_list_id=row["price_list_id"],
                charge_id=row["charge_id"],
                version=int(row["charge_version"]),
                start=parse_utc(row["effective_from"]),
                end=parse_utc(row["effective_to"]) if row["effective_to"] else None,
                charge_type=row["charge_type"],
                currency_code=row["currency_code"],
                amount=Decimal(row["amount"]),
            )
            for row in read_seed("rating/customer_recurring_charges.csv", seeds_dir)
        ),
        tax_profiles=tuple(read_seed("rating/customer_tax_profiles.csv", seeds_dir)),
        issuing_entities=tuple(read_seed("close/issuing_entities.csv", seeds_dir)),
        entity_rules=tuple(read_seed("close/customer_entity_rules.csv", seeds_dir)),
        tax_jurisdictions=tuple(read_seed("rating/tax_jurisdictions.csv", seeds_dir)),
    )
