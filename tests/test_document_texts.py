"""Every SKU a price list or recurring charge can put on an invoice has its name in every
document language, so no customer document or accounting export prints a raw SKU id."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import SEEDS_DIR

LANGUAGES = ("en", "fr")


def _rows(relative: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / relative).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _models_sku_ids() -> set[str]:
    """SKUs the usage models emit themselves (energy, facility overhead, shared idle capacity)."""
    unified = Path(__file__).resolve().parent.parent / "models/intermediate/usage/int_usage__unified.sql"
    text = unified.read_text("utf-8")
    return {sku for sku in ("energy_kwh", "energy_overhead_kwh", "k8s_idle_cpu_core_hour",
                            "k8s_idle_memory_gib_hour") if sku in text}  # fmt: skip


def test_every_billable_sku_is_named_in_every_language() -> None:
    named = {(row["text_key"], row["language_code"]) for row in _rows("close/invoice_texts.csv")}
    skus = {row["sku_id"] for row in _rows("rating/customer_price_lists.csv")}
    skus |= {row["charge_id"] for row in _rows("rating/customer_recurring_charges.csv")}
    skus |= _models_sku_ids()
    assert {"minimum_commitment", "platform_fee", "energy_overhead_kwh"} <= skus
    missing = sorted(
        (sku, language) for sku in skus for language in LANGUAGES if (f"sku.{sku}", language) not in named
    )
    assert missing == []
