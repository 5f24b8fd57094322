"""The closed demo month's FOCUS 1.2 export: requirements, completeness and frozen bytes.

Runs on the demo month as `make run` leaves it (generated, billed, closed, approved): the
export under exports/2026-10/focus/ is checked against the FOCUS 1.2 column requirements
(tests/focus_requirements.py), against the period's canonical vendor lines, and shown to stay
byte-identical when the period's marts change after close.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import PERIOD, DemoMonth, Deployment, folder_digest
from tests.focus_requirements import check_csv, check_parquet

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parent.parent / "docs" / "focus-export.md"

# FOCUS 1.2 requirements the export does not meet, each for a reason docs/focus-export.md gives:
# several vendors' exports state no price id or unit price, and the demo's FOCUS vendor bills
# four lines at a cost that is not its unit price x quantity (defects reconciliation flags).
KNOWN_GAPS = {
    "SkuPriceId_NotNullForUsageOrPurchase",
    "ListUnitPrice_NotNullForUsageOrPurchase",
    "ContractedUnitPrice_NotNullForUsageOrPurchase",
    "ContractedCost_UnitPriceTimesQuantity",
}


@pytest.fixture(scope="module")
def closed(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return demo_month.copy_to(tmp_path_factory.mktemp("focus"))


def _focus_folder(deployment: Deployment) -> Path:
    return deployment.exports_dir / PERIOD / "focus"


def _rule_ids(failures: list[str]) -> set[str]:
    return {failure.split(":", 1)[0] for failure in failures}


def test_the_export_meets_focus_1_2_but_for_its_documented_gaps(closed: Deployment) -> None:
    folder = _focus_folder(closed)
    parquet, csv_failures = (
        check_parquet(folder / "focus_costs.parquet"),
        check_csv(folder / "focus_costs.csv"),
    )
    # Parquet and CSV hold the same rows, so they fail the same rules, and only the known ones.
    assert _rule_ids(parquet) == _rule_ids(csv_failures), (parquet, csv_failures)
    assert _rule_ids(parquet) <= KNOWN_GAPS, parquet
    documented = DOCS.read_text(encoding="utf-8")
    assert all(f"`{rule}`" in documented for rule in KNOWN_GAPS), "a known gap is missing from the docs"


def test_a_broken_row_fails_the_checks(closed: Deployment, tmp_path: Path) -> None:
    """The checks can fail: a row with a charge period ending before it starts, a pre-GA column
    name, an unknown currency and a float cost are all reported."""
    source = _focus_folder(closed) / "focus_costs.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0] = {
        **rows[0],
        "ChargePeriodEnd": "2020-01-01T00:00:00Z",
        "BillingCurrency": "XYZ",
        "BilledCost": "1.5e3",
        "ChargeCategory": "Refund",
    }
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0].keys(), "Provider"])
        writer.writeheader()
        writer.writerows(rows)
    assert {
        "ChargePeriodStart_BeforeEnd",
        "BillingCurrency_IsCurrencyCode",
        "BilledCost_IsDecimal",
        "ChargeCategory_AllowedValues",
        "CustomColumns_Prefixed",
    } <= _rule_ids(check_csv(broken))


def test_every_canonical_vendor_line_is_exported_once_with_its_billed_cost(closed: Deployment) -> None:
    with duckdb.connect(str(closed.duckdb_path), read_only=True) as con:
        canonical = con.execute(
            """
            select line_id, currency_code, amount from marts.fct_vendor_reconciliation_lines
            where billing_period = ? and line_side = 'billed' and row_status = 'canonical'
            """,
            [PERIOD],
        ).fetchall()
    with (_focus_folder(closed) / "focus_costs.csv").open(encoding="utf-8", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert canonical, "the demo month has canonical vendor lines"
    assert sorted(r["x_VendorChargeLineId"] for r in exported) == sorted(line for line, _, _ in canonical)
    billed: dict[str, Decimal] = defaultdict(Decimal)
    for row in exported:
        billed[row["BillingCurrency"]] += Decimal(row["BilledCost"])
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for _, currency, amount in canonical:
        expected[currency.upper()] += Decimal(amount)
    assert billed == expected
    assert {r["x_SourceKind"] for r in exported} >= {"focus", "colo", "aws_cur", "azure", "gcp"}


def test_the_export_is_frozen_at_close_and_verified(closed: Deployment, tmp_path: Path) -> None:
    folder = _focus_folder(closed)
    before = folder_digest(folder)
    assert set(before) == {"focus_costs.parquet", "focus_costs.csv"}
    manifest = (closed.exports_dir / PERIOD / "manifest.json").read_text(encoding="utf-8")
    assert all(f'"focus/{name}"' in manifest for name in before)
    # A later run of the closed period replaces its mart rows: the export must not follow them.
    with duckdb.connect(str(closed.duckdb_path)) as con:
        con.execute(
            "update marts.fct_focus_costs set billed_cost = billed_cost + 1 where billing_period = ?",
            [PERIOD],
        )
    again = closed.meterline("export", "--period", PERIOD)
    assert again.returncode == 0, again.stdout + again.stderr
    assert folder_digest(folder) == before
    # Editing the frozen copy itself is tampering: verify names it and exits 1.
    with duckdb.connect(str(closed.duckdb_path)) as con:
        con.execute(
            "update ledger.focus_costs set billed_cost = billed_cost + 1 where billing_period = ?", [PERIOD]
        )
    verified = closed.meterline("verify", "--period", PERIOD)
    assert verified.returncode == 1
    assert re.search(
        rf"{PERIOD} \(CLS-\d+\): vendor costs \(FOCUS\) changed since the close", verified.stderr
    )
