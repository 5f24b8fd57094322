"""FOCUS 1.2 export of a closed period's vendor costs: exports/<period>/focus/ (Parquet and CSV).

Written from the rows the close froze into `ledger.focus_costs` (never from the marts, which
a later run of the period may replace), under FOCUS 1.2 column ids; meterline's own lineage
columns carry the `x_` prefix the specification reserves for custom columns. Rows are
ordered by their line id and every value is exact (decimals, not floats), so the same close
gives the same bytes. Date-times are UTC: Parquet stores them as UTC instants, the CSV as
ISO 8601 `YYYY-MM-DDTHH:MM:SSZ`. docs/focus-export.md lists each column's source.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.close.focus_costs import frozen_close_id

# FOCUS 1.2 column id -> column of ledger.focus_costs, in the specification's (alphabetical) order.
FOCUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("BilledCost", "billed_cost"),
    ("BillingAccountId", "billing_account_id"),
    ("BillingAccountName", "billing_account_name"),
    ("BillingAccountType", "billing_account_type"),
    ("BillingCurrency", "billing_currency"),
    ("BillingPeriodEnd", "billing_period_end_at"),
    ("BillingPeriodStart", "billing_period_start_at"),
    ("ChargeCategory", "charge_category"),
    ("ChargeClass", "charge_class"),
    ("ChargeDescription", "charge_description"),
    ("ChargeFrequency", "charge_frequency"),
    ("ChargePeriodEnd", "charge_period_end_at"),
    ("ChargePeriodStart", "charge_period_start_at"),
    ("CommitmentDiscountCategory", "commitment_discount_category"),
    ("CommitmentDiscountId", "commitment_discount_id"),
    ("CommitmentDiscountName", "commitment_discount_name"),
    ("CommitmentDiscountStatus", "commitment_discount_status"),
    ("CommitmentDiscountType", "commitment_discount_type"),
    ("ConsumedQuantity", "consumed_quantity"),
    ("ConsumedUnit", "consumed_unit"),
    ("ContractedCost", "contracted_cost"),
    ("ContractedUnitPrice", "contracted_unit_price"),
    ("EffectiveCost", "effective_cost"),
    ("InvoiceId", "invoice_id"),
    ("InvoiceIssuerName", "invoice_issuer_name"),
    ("ListCost", "list_cost"),
    ("ListUnitPrice", "list_unit_price"),
    ("PricingCategory", "pricing_category"),
    ("PricingQuantity", "pricing_quantity"),
    ("PricingUnit", "pricing_unit"),
    ("ProviderName", "provider_name"),
    ("PublisherName", "publisher_name"),
    ("RegionId", "region_id"),
    ("RegionName", "region_name"),
    ("ResourceId", "resource_id"),
    ("ResourceName", "resource_name"),
    ("ServiceCategory", "service_category"),
    ("ServiceName", "service_name"),
    ("ServiceSubcategory", "service_subcategory"),
    ("SkuId", "sku_id"),
    ("SkuPriceId", "sku_price_id"),
    ("SubAccountId", "sub_account_id"),
    ("SubAccountName", "sub_account_name"),
    ("SubAccountType", "sub_account_type"),
    ("Tags", "tags"),
    ("x_BillingPeriod", "billing_period"),
    ("x_VendorId", "vendor_id"),
    ("x_SiteId", "site_id"),
    ("x_SourceKind", "source_kind"),
    ("x_SourceFile", "source_file"),
    ("x_SourceRow", "source_row"),
    ("x_SourceLineNumber", "line_number_in_row"),
    ("x_VendorChargeLineId", "vendor_charge_line_id"),
)
DATETIME_COLUMNS = frozenset(
    {"billing_period_start_at", "billing_period_end_at", "charge_period_start_at", "charge_period_end_at"}
)
FOCUS_FOLDER = "focus"
FILE_STEM = "focus_costs"


def focus_query(close_id: str, as_text: bool) -> str:
    """The close's frozen rows under FOCUS column ids; date-times as UTC instants or ISO 8601 text."""
    selected = []
    for focus_name, column in FOCUS_COLUMNS:
        if column in DATETIME_COLUMNS:
            value = f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ')" if as_text else f"timezone('UTC', {column})"
        else:
            value = column
        selected.append(f'{value} as "{focus_name}"')
    return (
        f"select {', '.join(selected)} from ledger.focus_costs "
        f"where close_id = '{close_id}' order by vendor_charge_line_id"
    )


def write_focus(con: duckdb.DuckDBPyConnection, period: str, staging: Path) -> list[tuple[Path, int]]:
    """focus/focus_costs.{parquet,csv} of the closed `period`; nothing for a close made before the freeze."""
    close_id = frozen_close_id(con, period)
    if close_id is None:
        return []
    folder = staging / FOCUS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    row = con.execute("select count(*) from ledger.focus_costs where close_id = ?", [close_id]).fetchone()
    count = int(row[0]) if row else 0
    parquet, csv = folder / f"{FILE_STEM}.parquet", folder / f"{FILE_STEM}.csv"
    con.execute(
        f"copy ({focus_query(close_id, as_text=False)}) to '{parquet}' (format parquet, compression zstd)"
    )
    con.execute(
        f"copy ({focus_query(close_id, as_text=True)}) to '{csv}' (format csv, header true, quote '\"')"
    )
    return [(parquet, count), (csv, count)]
