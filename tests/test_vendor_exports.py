"""Cloud vendor billing exports: real samples and one generated file per quirk, through the
real ingest and the real dbt models, down to int_vendor_charges__unified, the conservation
check and the exception queue."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from bench.vendor_files import BENCH_FORMATS
from orchestration.ingest.layouts import Declarations, layout_for
from orchestration.ingest.loader import ingest_landing
from orchestration.ingest.vendor_layouts import (
    HeaderError,
    recognise_aws_cur,
    recognise_azure,
    recognise_focus,
    recognise_gcp,
)
from tests.adapter_support import build_vendor_warehouse
from tests.conftest import REAL_FIXTURES, SEEDS_DIR

PERIOD = "2024-09"
DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project.yml"
VENDOR_CHARGE_YAML = DBT_PROJECT.parent / "models" / "staging" / "_vendor_charges__models.yml"
FOCUS_SAMPLE = REAL_FIXTURES / "focus" / "focus_1_0_sample.csv"
CUR_SAMPLE = REAL_FIXTURES / "aws_cur" / "aws_cur_legacy_sample.csv"
AZURE_SAMPLE = REAL_FIXTURES / "azure" / "azure_ea_actual_cost_small.csv"
FOCUS = "vendor_billing/focus/nimbus_cloud"
CUR = "vendor_billing/aws_cur/stratus_aws"
AZURE = "vendor_billing/azure/cobalt_azure"
GCP = "vendor_billing/gcp/meridian_gcp"


# ---------------------------------------------------------------- header recognition (pure)


@pytest.mark.parametrize(
    ("extra_columns", "version"),
    [
        ((), "focus_1.0"),
        (("CapacityReservationId", "SkuMeter"), "focus_1.1"),
        (("InvoiceId", "PricingCurrency"), "focus_1.2"),
        (("InvoiceId", "ServiceProviderName", "ContractApplied"), "focus_1.3"),
    ],
)
def test_focus_version_is_recognised_from_the_header(extra_columns: tuple[str, ...], version: str) -> None:
    with FOCUS_SAMPLE.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert recognise_focus([*header, *extra_columns]) == version


def test_vendor_variants_are_recognised_and_drift_names_the_column() -> None:
    assert recognise_aws_cur(["identity/LineItemId", *_CUR_LEGACY_HEADER[1:]]) == "aws_cur_legacy"
    assert recognise_aws_cur(_CUR2_HEADER) == "aws_cur_2"
    assert recognise_azure(_AZURE_EA_HEADER) == "azure_ea"
    assert recognise_azure(_AZURE_MCA_HEADER) == "azure_mca"
    assert recognise_gcp([h.replace("_", ".", 1) if h.startswith("usage_") else h for h in _GCP_HEADER])
    renamed = [("lineItem/UsageQuantity" if h == "lineItem/UsageAmount" else h) for h in _CUR_LEGACY_HEADER]
    with pytest.raises(HeaderError, match="missing column 'lineItem/UsageAmount'"):
        recognise_aws_cur(renamed)
    with pytest.raises(HeaderError, match="missing column 'UnitOfMeasure'"):
        recognise_azure([h for h in _AZURE_EA_HEADER if h != "UnitOfMeasure"])
    with pytest.raises(HeaderError, match="missing column 'credits'"):
        recognise_gcp([h for h in _GCP_HEADER if h != "credits"])


def test_export_folders_resolve_to_their_raw_tables() -> None:
    declarations = Declarations.from_seeds(SEEDS_DIR)
    for folder, table in [
        (CUR, "aws_cur_line_items"),
        (AZURE, "azure_cost_details"),
        (GCP, "gcp_billing_lines"),
    ]:
        layout, vendor = layout_for(Path(folder) / "a.csv", declarations)
        assert (layout.raw_table, vendor) == (table, folder.rsplit("/", 1)[1])


# ---------------------------------------------------------------- generated quirk files

_FOCUS_13_HEADER = [
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountId", "CommitmentDiscountQuantity", "CommitmentDiscountUnit",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
    "InvoiceId", "ListCost", "ListUnitPrice", "PricingQuantity", "PricingUnit", "RegionId", "ResourceId",
    "ServiceName", "ServiceProviderName", "SkuId", "SkuPriceId", "SubAccountId", "Tags",
]  # fmt: skip


def _focus_13_row(**values: str) -> list[str]:
    row = {
        "BilledCost": "10.00",
        "BillingAccountId": "ACC-1",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": "2024-10-01T00:00:00Z",
        "BillingPeriodStart": "2024-09-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "NULL",
        "ChargeDescription": "GPU node hours",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodEnd": "2024-09-02T00:00:00Z",
        "ChargePeriodStart": "2024-09-01T00:00:00Z",
        "CommitmentDiscountId": "NULL",
        "CommitmentDiscountQuantity": "NULL",
        "CommitmentDiscountUnit": "NULL",
        "ConsumedQuantity": "25",
        "ConsumedUnit": "Hours",
        "ContractedCost": "10.00",
        "ContractedUnitPrice": "0.4",
        "EffectiveCost": "10.00",
        "InvoiceId": "INV-13",
        "ListCost": "12.50",
        "ListUnitPrice": "0.5",
        "PricingQuantity": "25",
        "PricingUnit": "Hours",
        "RegionId": "eu-north-1",
        "ResourceId": "node-1",
        "ServiceName": "Compute",
        "ServiceProviderName": "Nimbus",
        "SkuId": "NC-GP8-STD",
        "SkuPriceId": "NC-GP8-STD-2024",
        "SubAccountId": "proj-1",
        "Tags": "NULL",
    }
    row.update(values)
    return [row[c] for c in _FOCUS_13_HEADER]


FOCUS_13_ROWS = [
    _focus_13_row(),  # 1 plain usage
    _focus_13_row(ChargeFrequency="Usage-based", ResourceId="node-2"),  # 2 value-case variant
    _focus_13_row(  # 3 negative usage (a correction) with its class
        ChargeClass="Correction",
        ConsumedQuantity="-5",
        PricingQuantity="-5",
        BilledCost="-2.00",
        ResourceId="node-3",
    ),
    _focus_13_row(Tags='{" team ": "ml", "env": "prod"}', ResourceId="node-4"),  # 4 stray spaces in keys
    _focus_13_row(ChargeCategory="Credit", BilledCost="-1.50", ChargeFrequency="One-Time", ResourceId="NULL"),
    _focus_13_row(ChargeCategory="Tax", BilledCost="0.80", ChargeFrequency="One-Time", ResourceId="NULL"),
    _focus_13_row(ChargeCategory="Adjustment", BilledCost="0.25", ResourceId="node-7"),
    _focus_13_row(  # 8 a commitment purchase
        ChargeCategory="purchase",
        ChargeFrequency="Recurring",
        CommitmentDiscountId="cd-1",
        CommitmentDiscountQuantity="100",
        CommitmentDiscountUnit="Hours",
        ResourceId="cd-1",
    ),
    _focus_13_row(BilledCost="1.2E+1", ResourceId="node-9"),  # 9 scientific notation
    _focus_13_row(
        ChargeCategory="Usage", BilledCost="ten", ResourceId="node-10"
    ),  # 10 unparseable -> quarantine
]


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


_CUR_LEGACY_HEADER = [
    "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/PayerAccountId",
    "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId",
    "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode",
    "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost",
    "lineItem/LineItemDescription", "product/sku", "product/regionCode", "pricing/unit",
    "pricing/publicOnDemandRate", "pricing/publicOnDemandCost",
]  # fmt: skip
_CUR2_HEADER = [
    "identity_line_item_id", "identity_time_interval", "bill_invoice_id", "bill_payer_account_id",
    "bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_account_id",
    "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_product_code", "line_item_usage_amount", "line_item_currency_code", "line_item_unblended_rate",
    "line_item_unblended_cost", "line_item_line_item_description", "product_sku", "product_region_code",
    "pricing_unit", "pricing_public_on_demand_rate", "pricing_public_on_demand_cost", "resource_tags",
]  # fmt: skip


def _cur_row(line_id: str, day: int, kind: str = "Usage", amount: str = "24", cost: str = "2.4") -> list[str]:
    start, end = f"2024-09-{day:02d}T00:00:00Z", f"2024-09-{day + 1:02d}T00:00:00Z"
    return [
        line_id, f"{start}/{end}", "INV-AWS-9", "111122223333", "2024-09-01T00:00:00Z",
        "2024-10-01T00:00:00Z", "444455556666", kind, start, end, "AmazonEC2", amount, "USD", "0.1", cost,
        f"{kind} line", "SKU123", "eu-north-1", "Hrs", "0.12", "2.88",
    ]  # fmt: skip


CUR_LEGACY_ROWS = [
    _cur_row("line-a", 1),
    _cur_row("line-a", 2),  # same line id, next interval: a different charge
    _cur_row("line-b", 1, amount="1.5E-3", cost="1.5E-4"),  # scientific notation
    _cur_row("tax-1", 1, kind="Tax", amount="1", cost="0.48"),  # tax as its own line
]
CUR_LEGACY_REDELIVERED = [_cur_row("line-a", 1)]  # same id and interval in another file: double billed
CUR2_ROWS = [
    [*_cur_row("line-c", 3), '{"user:team": "ml"}'],
    [*_cur_row("line-d", 3, kind="SavingsPlanCoveredUsage"), "{}"],
]

_AZURE_EA_HEADER = [
    "BillingAccountId", "BillingPeriodStartDate", "BillingPeriodEndDate", "AccountOwnerId", "SubscriptionId",
    "Date", "MeterId", "MeterCategory", "MeterName", "Quantity", "EffectivePrice", "Cost", "UnitPrice",
    "BillingCurrency", "ResourceLocation", "ResourceId", "Tags", "UnitOfMeasure", "ChargeType", "Frequency",
    "PayGPrice", "PricingModel",
]  # fmt: skip
_AZURE_MCA_HEADER = [
    "invoiceId", "billingAccountId", "billingPeriodStartDate", "billingPeriodEndDate", "billingProfileId",
    "subscriptionId", "date", "meterId", "productId", "meterCategory", "meterName", "quantity",
    "effectivePrice", "costInBillingCurrency", "unitPrice", "billingCurrency", "resourceLocation",
    "ResourceId", "tags", "unitOfMeasure", "chargeType", "frequency", "PayGPrice", "pricingModel",
]  # fmt: skip


def _azure_ea_row(
    date: str, quantity: str, cost: str, unit: str, currency: str = "USD", meter: str = "m-1"
) -> list:
    return [
        "8611537", "09/01/2024", "09/30/2024", "owner@example.com", "sub-1", date, meter, "Storage", "Ops",
        quantity, "0.1", cost, "0.1", currency, "westeurope", f"/subscriptions/sub-1/{meter}",
        '"env": "prod"', unit, "Usage", "UsageBased", "0.1", "OnDemand",
    ]  # fmt: skip


AZURE_EA_ROWS = [
    _azure_ea_row("9/4/2024", "0.0004", "0.00004", "10K"),  # no leading zeros; 10K pack -> 4 Units
    _azure_ea_row(
        "09/05/2024", "2", "0.2", "100 Hours", meter="m-2"
    ),  # leading zeros; 100 Hours -> 200 Hours
    _azure_ea_row("09/06/2024", "3", "0.3", "1 GB/Month", currency="EUR", meter="m-3"),  # non-USD currency
    _azure_ea_row("09/07/2024", "1", "0.1", "7 Parsecs", meter="m-4"),  # unknown pack -> quarantine
]
AZURE_MCA_ROWS = [
    [
        "INV-MCA-1", "acc-1", "2024-09-01", "2024-09-30", "bp-1", "sub-2", "2024-09-08", "m-5", "p-5",
        "Compute", "D2s", "48", "0.05", "2.4", "0.05", "NOK", "norwayeast", "/subscriptions/sub-2/vm",
        '{"team": "ml"}', "1 Hour", "Usage", "UsageBased", "0.06", "OnDemand",
    ]
]  # fmt: skip

_GCP_HEADER = [
    "billing_account_id", "invoice_month", "service_description", "sku_id", "sku_description",
    "usage_start_time", "usage_end_time", "project_id", "location_region", "resource_global_name", "labels",
    "cost", "currency", "cost_type", "usage_amount", "usage_unit", "usage_amount_in_pricing_units",
    "usage_pricing_unit", "credits",
]  # fmt: skip
GCP_ROWS = [
    [  # usage in bytes priced in GiB (no amount_in_pricing_units), two credits, offset timestamps
        "0A-1", "202409", "Cloud Storage", "GCS-STD", "Standard storage", "2024-09-01T00:00:00-07:00",
        "2024-09-02T00:00:00-07:00", "proj-g", "europe-north1", "//storage/bucket-1", "{}", "5.00", "USD",
        "regular", "5368709120", "bytes", "", "", '[{"name": "FreeTier", "amount": -1.25}, '
        '{"name": "CUD", "amount": -0.5, "type": "COMMITTED_USAGE_DISCOUNT"}]',
    ],
    [  # no credits, amount already in pricing units
        "0A-1", "202409", "Compute Engine", "GCE-N2", "N2 core", "2024-09-01 00:00:00 UTC",
        "2024-09-01 01:00:00 UTC", "proj-g", "europe-north1", "//compute/vm-1", '{" team": "ml"}', "0.03",
        "USD", "regular", "3600", "seconds", "1", "hour", "[]",
    ],
]  # fmt: skip


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _build_landing(landing: Path) -> None:
    """Real samples plus one generated file per quirk (CSV, CSV.gz and Parquet)."""
    for folder, sample in [(FOCUS, FOCUS_SAMPLE), (CUR, CUR_SAMPLE), (AZURE, AZURE_SAMPLE)]:
        (landing / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample, landing / folder / f"real_{sample.name}")
    focus_13 = _csv_text(_FOCUS_13_HEADER, FOCUS_13_ROWS)
    _write(landing / FOCUS / "focus13_2024-09.csv", focus_13)
    with gzip.open(landing / FOCUS / "focus13_copy_2024-09.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write(focus_13)  # an identical re-delivery, compressed: every line is a duplicate
    _write(landing / CUR / "cur_legacy_2024-09.csv", _csv_text(_CUR_LEGACY_HEADER, CUR_LEGACY_ROWS))
    _write(
        landing / CUR / "cur_legacy_again_2024-09.csv", _csv_text(_CUR_LEGACY_HEADER, CUR_LEGACY_REDELIVERED)
    )
    _write(landing / CUR / "cur2_2024-09.csv", _csv_text(_CUR2_HEADER, CUR2_ROWS))
    _write(landing / AZURE / "ea_actual_2024-09.csv", _csv_text(_AZURE_EA_HEADER, AZURE_EA_ROWS))
    _write(landing / AZURE / "ea_amortized_2024-09.csv", _csv_text(_AZURE_EA_HEADER, AZURE_EA_ROWS[:1]))
    _write(landing / AZURE / "mca_actual_2024-09.csv", _csv_text(_AZURE_MCA_HEADER, AZURE_MCA_ROWS))
    gcp_csv = landing / GCP / "gcp_2024-09.csv"
    _write(gcp_csv, _csv_text(_GCP_HEADER, GCP_ROWS))
    # The same export as Parquet with nested records, as BigQuery writes it (a separate account).
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select
                {{'id': '0B-2'}}.id as billing_account_id,
                '202409' as invoice_month,
                {{'id': 'svc', 'description': 'Cloud Storage'}} as service,
                {{'id': 'GCS-STD', 'description': 'Standard storage'}} as sku,
                timestamptz '2024-09-03 00:00:00-07:00' as usage_start_time,
                timestamptz '2024-09-04 00:00:00-07:00' as usage_end_time,
                {{'id': 'proj-p'}} as project,
                {{'region': 'europe-north1'}} as location,
                cast(2.50 as decimal(18, 6)) as cost,
                'USD' as currency,
                'regular' as cost_type,
                {{'amount': 2684354560.0, 'unit': 'bytes'}} as usage,
                [{{'name': 'FreeTier', 'amount': -0.25}}] as credits,
                map {{'team': 'ml'}} as labels
        ) to '{landing / GCP / "gcp_nested_2024-09.parquet"}' (format parquet)
        """
    )
    con.close()
    # Drifted layouts: a renamed CUR column, a FOCUS file missing BilledCost, a colo file with an
    # extra column. Each file is rejected whole; everything else loads.
    drifted = [("lineItem/UsageQuantity" if h == "lineItem/UsageAmount" else h) for h in _CUR_LEGACY_HEADER]
    _write(landing / CUR / "cur_drifted_2024-09.csv", _csv_text(drifted, CUR_LEGACY_ROWS[:1]))
    focus_missing = [h for h in _FOCUS_13_HEADER if h != "BilledCost"]
    _write(landing / FOCUS / "focus_drifted_2024-09.csv", ",".join(focus_missing) + "\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("vendor_exports")
    landing = root / "landing"
    _build_landing(landing)
    # The data tests of the vendor models and of the exception queue they feed.
    tested = [
        "staging.focus",
        "staging.aws_cur",
        "staging.azure",
        "staging.gcp",
        "int_vendor_charges__unified",
        "int_vendor_charges__conservation",
        "fct_billing_exceptions",
        "int_source_rows__classified",
    ]
    con = build_vendor_warehouse(root, landing, PERIOD, tested)
    yield con
    con.close()


def _lines(con: duckdb.DuckDBPyConnection, file_name: str) -> list[dict[str, object]]:
    cursor = con.execute(
        "select * from intermediate.int_vendor_charges__unified where source_file like ? "
        "order by source_row, line_number_in_row",
        [f"%/{file_name}"],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ---------------------------------------------------------------- real samples


@pytest.mark.parametrize(
    ("sample", "kind", "variant", "rows"),
    [
        (FOCUS_SAMPLE, "focus", "focus_1.0", 1000),
        (CUR_SAMPLE, "aws_cur", "aws_cur_legacy", 1281),
        (AZURE_SAMPLE, "azure", "azure_ea", 11),
    ],
)
def test_real_samples_ingest_with_zero_unexplained_rows(
    built: duckdb.DuckDBPyConnection, sample: Path, kind: str, variant: str, rows: int
) -> None:
    lines = _lines(built, f"real_{sample.name}")
    assert len(lines) == rows
    assert {(line["source_kind"], line["layout_variant"]) for line in lines} == {(kind, variant)}
    assert not [line for line in lines if line["row_status"] == "quarantined"]
    # Every row has a fate, and every non-canonical row its reason.
    for line in lines:
        assert line["row_status"] in ("canonical", "duplicate", "excluded")
        assert line["row_status"] != "excluded" or line["exclusion_reason"] in (
            "outside_period",
            "vendor_tax_line",
        )


def test_real_focus_sample_quirks(built: duckdb.DuckDBPyConnection) -> None:
    lines = _lines(built, f"real_{FOCUS_SAMPLE.name}")
    statuses = [line["row_status"] for line in lines]
    # One Oracle charge is filed under the next billing period; the rest is this period's.
    assert statuses.count("canonical") == 999 and statuses.count("excluded") == 1
    assert {line["charge_frequency"] for line in lines} == {"Usage-Based", "One-Time"}
    assert {line["charge_category"] for line in lines} == {"Usage", "Credit", "Adjustment"}
    assert any(line["billed_amount"] < 0 for line in lines if line["charge_category"] == "Usage")
    assert not [line for line in lines if line["tags"] and '" ' in line["tags"]]
    assert all(line["charge_class"] is None for line in lines)  # literal NULL is missing


def test_real_cur_sample_line_ids_repeat_across_intervals(built: duckdb.DuckDBPyConnection) -> None:
    lines = _lines(built, f"real_{CUR_SAMPLE.name}")
    assert not [line for line in lines if line["row_status"] == "duplicate"]
    assert sum(1 for line in lines if line["exclusion_reason"] == "vendor_tax_line") == 12


# ---------------------------------------------------------------- FOCUS quirks


def test_focus_13_file_is_recognised_and_every_quirk_is_handled(built: duckdb.DuckDBPyConnection) -> None:
    lines = _lines(built, "focus13_2024-09.csv")
    assert {line["layout_variant"] for line in lines} == {"focus_1.3"}
    plain, case_variant, correction, tags, credit, tax, adjustment, purchase, scientific, broken = lines
    assert plain["row_status"] == "canonical" and plain["list_cost"] == Decimal("12.5")
    assert plain["invoice_id"] == "INV-13" and plain["sku_price_id"] == "NC-GP8-STD-2024"
    assert case_variant["charge_frequency"] == "Usage-Based"
    assert correction["charge_class"] == "Correction" and correction["consumed_quantity"] == Decimal("-5")
    assert correction["row_status"] == "canonical"
    assert tags["tags"] == '{"team":"ml","env":"prod"}'
    assert (credit["charge_category"], credit["billed_amount"], credit["resource_id"]) == (
        "Credit",
        Decimal("-1.5"),
        None,
    )
    assert (tax["row_status"], tax["exclusion_reason"]) == ("excluded", "vendor_tax_line")
    assert adjustment["charge_category"] == "Adjustment"
    assert purchase["charge_category"] == "Purchase" and purchase["commitment_discount_id"] == "cd-1"
    assert scientific["billed_amount"] == Decimal("12")
    assert broken["row_status"] == "quarantined" and "BilledCost='ten'" in broken["quarantine_detail"]


def test_focus_csv_gz_redelivery_is_read_and_every_line_is_a_duplicate(
    built: duckdb.DuckDBPyConnection,
) -> None:
    copies = _lines(built, "focus13_copy_2024-09.csv.gz")
    assert len(copies) == len(FOCUS_13_ROWS)
    billable = [line for line in copies if line["row_status"] not in ("quarantined", "excluded")]
    assert billable and {line["row_status"] for line in billable} == {"duplicate"}
    assert {line["reason_code"] for line in billable} == {"double_billed"}


def test_focus_10_sample_leaves_newer_columns_null(built: duckdb.DuckDBPyConnection) -> None:
    lines = _lines(built, f"real_{FOCUS_SAMPLE.name}")
    assert {line["invoice_id"] for line in lines} == {None}


# ---------------------------------------------------------------- AWS CUR quirks


def test_cur_identity_includes_the_time_interval(built: duckdb.DuckDBPyConnection) -> None:
    first, next_day, scientific, tax = _lines(built, "cur_legacy_2024-09.csv")
    assert first["row_status"] == next_day["row_status"] == "canonical"
    assert scientific["billed_quantity"] == Decimal("0.0015") and scientific["billed_amount"] == Decimal(
        "0.00015"
    )
    assert (tax["charge_category"], tax["exclusion_reason"]) == ("Tax", "vendor_tax_line")
    (again,) = _lines(built, "cur_legacy_again_2024-09.csv")
    assert (again["row_status"], again["reason_code"]) == ("duplicate", "double_billed")


def test_cur_2_snake_case_names_land_in_the_same_shape(built: duckdb.DuckDBPyConnection) -> None:
    usage, covered = _lines(built, "cur2_2024-09.csv")
    assert {usage["layout_variant"], covered["layout_variant"]} == {"aws_cur_2"}
    assert usage["vendor_item_code"] == "SKU123" and usage["billed_amount"] == Decimal("2.4")
    assert usage["tags"] == '{"user:team":"ml"}'
    assert covered["charge_category"] == "Usage"


# ---------------------------------------------------------------- Azure quirks


def test_azure_dates_packs_and_currencies(built: duckdb.DuckDBPyConnection) -> None:
    ten_k, hundred_hours, euro, unknown = _lines(built, "ea_actual_2024-09.csv")
    assert str(ten_k["charge_period_start_at"]) == "2024-09-04 00:00:00"
    assert str(hundred_hours["charge_period_start_at"]) == "2024-09-05 00:00:00"
    assert (ten_k["billed_quantity"], ten_k["billed_unit"]) == (Decimal("4"), "Units")
    assert ten_k["billed_unit_price"] == Decimal("0.00001")
    assert (hundred_hours["billed_quantity"], hundred_hours["billed_unit"]) == (Decimal("200"), "Hours")
    assert (euro["currency_code"], euro["billed_unit"]) == ("EUR", "GB/Month")
    assert unknown["row_status"] == "quarantined"
    assert "UnitOfMeasure='7 Parsecs'" in unknown["quarantine_detail"]


def test_azure_amortized_view_never_double_counts(built: duckdb.DuckDBPyConnection) -> None:
    (amortized,) = _lines(built, "ea_amortized_2024-09.csv")
    assert (amortized["cost_view"], amortized["row_status"], amortized["exclusion_reason"]) == (
        "amortized",
        "excluded",
        "amortized_view",
    )
    (actual, *_) = _lines(built, "ea_actual_2024-09.csv")
    assert actual["row_status"] == "canonical"  # the identical actual line is not its duplicate


def test_azure_mca_layout(built: duckdb.DuckDBPyConnection) -> None:
    (line,) = _lines(built, "mca_actual_2024-09.csv")
    assert (line["layout_variant"], line["invoice_id"], line["currency_code"]) == (
        "azure_mca",
        "INV-MCA-1",
        "NOK",
    )
    assert (line["billed_quantity"], line["billed_unit"], line["billed_amount"]) == (
        Decimal("48"),
        "Hours",
        Decimal("2.4"),
    )


# ---------------------------------------------------------------- Google Cloud quirks


def test_gcp_credits_bytes_and_offsets(built: duckdb.DuckDBPyConnection) -> None:
    storage, free_tier, cud, compute = _lines(built, "gcp_2024-09.csv")
    assert str(storage["charge_period_start_at"]) == "2024-09-01 07:00:00"  # -07:00 -> UTC
    assert (storage["billed_quantity"], storage["billed_unit"]) == (Decimal("5"), "gibibyte")
    assert [(c["charge_category"], c["billed_amount"]) for c in (free_tier, cud)] == [
        ("Credit", Decimal("-1.25")),
        ("Credit", Decimal("-0.5")),
    ]
    assert {c["row_status"] for c in (storage, free_tier, cud, compute)} == {"canonical"}
    assert free_tier["source_row"] == storage["source_row"] == 1
    assert str(compute["charge_period_start_at"]) == "2024-09-01 00:00:00"
    assert (compute["billed_quantity"], compute["billed_unit"], compute["tags"]) == (
        Decimal("1"),
        "hour",
        '{"team":"ml"}',
    )


def test_gcp_parquet_with_nested_records(built: duckdb.DuckDBPyConnection) -> None:
    charge, credit = _lines(built, "gcp_nested_2024-09.parquet")
    assert str(charge["charge_period_start_at"]) == "2024-09-03 07:00:00"
    assert (charge["billed_quantity"], charge["billed_amount"]) == (Decimal("2.5"), Decimal("2.5"))
    assert (credit["charge_category"], credit["billed_amount"]) == ("Credit", Decimal("-0.25"))


# ---------------------------------------------------------------- drift, conservation


def test_drifted_files_are_rejected_naming_file_and_column_and_block_the_period(
    built: duckdb.DuckDBPyConnection,
) -> None:
    rejections = dict(built.execute("select * from ingest_rejections").fetchall())
    assert set(rejections) == {f"{CUR}/cur_drifted_2024-09.csv", f"{FOCUS}/focus_drifted_2024-09.csv"}
    assert "missing column 'lineItem/UsageAmount'" in rejections[f"{CUR}/cur_drifted_2024-09.csv"]
    assert "missing column 'BilledCost'" in rejections[f"{FOCUS}/focus_drifted_2024-09.csv"]
    exceptions = built.execute(
        "select source_file, vendor_id, source_system, is_blocking, status, detail "
        "from marts.fct_billing_exceptions where reason_code = 'layout_rejected' order by source_file"
    ).fetchall()
    assert [(e[0], e[1], e[2], e[3], e[4]) for e in exceptions] == [
        (f"{CUR}/cur_drifted_2024-09.csv", "stratus_aws", "aws_cur", True, "open"),
        (f"{FOCUS}/focus_drifted_2024-09.csv", "nimbus_cloud", "focus", True, "open"),
    ]
    assert all(e[0] in e[5] for e in exceptions)  # the detail names the file and the column


def test_every_vendor_file_conserves_rows_and_amounts(built: duckdb.DuckDBPyConnection) -> None:
    files = built.execute(
        "select source_file, raw_rows, classified_rows, raw_amount, is_balanced "
        "from intermediate.int_vendor_charges__conservation order by source_file"
    ).fetchall()
    assert len(files) == 13
    assert [f[0] for f in files if not f[4]] == []
    gcp = next(f for f in files if f[0].endswith("gcp_2024-09.csv"))
    assert gcp[3] == Decimal("5.03") - Decimal("1.75")  # cost plus its credits
    assert built.execute(
        "select count(*) from intermediate.int_source_rows__classified "
        "where source_kind in ('aws_cur', 'azure', 'gcp')"
    ).fetchone() == (sum(f[1] for f in files if "/focus/" not in f[0]),)


def test_every_declared_vendor_is_staged_in_the_one_vendor_charge_shape(
    built: duckdb.DuckDBPyConnection,
) -> None:
    declared = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]["vendor_sources"]
    kinds = [source["source_kind"] for source in declared]
    shapes = {
        kind: built.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [f"stg_{kind}__vendor_charges"],
        ).fetchall()
        for kind in kinds
    }
    # Same names, order and types for every vendor: the union is by name over identical columns.
    assert {kind: shape for kind, shape in shapes.items() if shape != shapes["focus"]} == {}
    names = [name for name, _ in shapes["focus"]]
    # The described columns (one YAML anchor for every vendor) are the built ones, in order.
    described = yaml.safe_load(VENDOR_CHARGE_YAML.read_text(encoding="utf-8"))["models"]
    assert {model["name"] for model in described} == {f"stg_{kind}__vendor_charges" for kind in kinds}
    assert all([column["name"] for column in model["columns"]] == names for model in described)
    assert ("billed_amount", "DECIMAL(38,16)") in shapes["focus"]
    unified_lines = built.execute("select * from intermediate.int_vendor_charges__unified limit 0")
    unified = [column[0] for column in unified_lines.description]
    # Every shared column reaches the unified lines but the two that become is_in_period and the fate.
    assert [name for name in names if name not in unified] == ["period_reference_at", "quarantine_reason"]


@pytest.mark.parametrize("fmt", sorted(BENCH_FORMATS))
def test_bench_files_of_every_vendor_format_ingest_whole(tmp_path: Path, fmt: str) -> None:
    folder, name, writer = BENCH_FORMATS[fmt]
    writer(tmp_path / "landing" / folder / name, 300)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        report = ingest_landing(con, tmp_path / "landing", SEEDS_DIR)
    assert report.rejected == {}
    assert sum(report.rows_by_table.values()) == 300
