"""Export variants as vendors document them: Azure camelCase, any-case and legacy cost reports,
Google labels in every documented shape and Python-literal credits, and rejected files of any
kind. Each file is built from the format's documented columns, goes through the real ingest
and the real dbt models, and its row count and billed total per currency are checked against
an independent parse of the file (Python's csv, Decimal and ast.literal_eval)."""

from __future__ import annotations

import ast
import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.vendor_layouts import HeaderError, recognise_azure
from tests.adapter_support import build_vendor_warehouse
from tests.conftest import REAL_FIXTURES

PERIOD = "2024-09"
AZURE = "vendor_billing/azure/cobalt_azure"
GCP = "vendor_billing/gcp/meridian_gcp"
SLURM = "scheduler/slurm/fjord-gpu"
ENERGY = "energy/hel1"

# Azure cost details, MCA, as the export writes them since the 2021-10-01 schema (camelCase,
# with a few PascalCase names left), from Microsoft's "cost and usage details fields" list.
AZURE_CAMEL_HEADER = [
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
    "billingProfileName", "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId",
    "costCenter", "billingPeriodEndDate", "billingPeriodStartDate", "servicePeriodEndDate",
    "servicePeriodStartDate", "date", "serviceFamily", "productOrderId", "productOrderName",
    "consumedService", "meterId", "meterName", "meterCategory", "meterSubCategory", "meterRegion",
    "ProductId", "ProductName", "SubscriptionId", "subscriptionName", "publisherType", "publisherId",
    "publisherName", "resourceGroupName", "ResourceId", "resourceLocation", "location", "effectivePrice",
    "quantity", "unitOfMeasure", "chargeType", "billingCurrency", "pricingCurrency", "costInBillingCurrency",
    "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency", "paygCostInUsd",
    "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible", "serviceInfo1",
    "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term", "reservationId",
    "reservationName", "pricingModel", "unitPrice", "costAllocationRuleName", "benefitId", "benefitName",
    "provider",
]  # fmt: skip


def _camel_row(
    day: int, meter: str, quantity: str, cost: str, unit: str, currency: str, charge: str
) -> list[str]:
    values = dict.fromkeys(AZURE_CAMEL_HEADER, "")
    values.update(
        invoiceId="G0100", billingAccountId="acc-9", billingProfileId="bp-9",
        billingPeriodStartDate="2024-09-01", billingPeriodEndDate="2024-09-30", date=f"2024-09-{day:02d}",
        meterId=meter, meterName="D4s v5",
        meterCategory="Virtual Machines", ProductId="DZH318Z0BQ4L", ProductName="Virtual Machines Dsv5",
        SubscriptionId="sub-9", ResourceId=f"/subscriptions/sub-9/vm-{meter}", resourceLocation="norwayeast",
        effectivePrice="0.1", quantity=quantity, unitOfMeasure=unit, chargeType=charge,
        billingCurrency=currency, pricingCurrency="USD", costInBillingCurrency=cost, costInUsd=cost,
        tags='{"team": "ml"}', PayGPrice="0.12", frequency="UsageBased", pricingModel="OnDemand",
        unitPrice="0.1", provider="Azure",
    )  # fmt: skip
    return [values[column] for column in AZURE_CAMEL_HEADER]


AZURE_CAMEL_ROWS = [
    _camel_row(2, "m-1", "24", "2.4", "1 Hour", "NOK", "Usage"),
    _camel_row(3, "m-2", "3", "0.3", "1 GB/Month", "EUR", "Usage"),
    _camel_row(4, "m-1", "1", "-0.5", "1 Hour", "NOK", "Refund"),
]

# The legacy cost report (usage details before cost details): no ChargeType, other names.
AZURE_LEGACY_HEADER = [
    "DepartmentName", "AccountName", "AccountOwnerId", "SubscriptionGuid", "SubscriptionName",
    "ResourceGroup", "ResourceLocation", "UsageDateTime", "ProductName", "MeterCategory", "MeterSubcategory",
    "MeterId", "MeterName", "MeterRegion", "UnitOfMeasure", "UsageQuantity", "ResourceRate", "PreTaxCost",
    "CostCenter", "ConsumedService", "ResourceType", "InstanceId", "Tags", "OfferId", "AdditionalInfo",
    "ServiceInfo1", "ServiceInfo2", "Currency",
]  # fmt: skip


def _legacy_row(
    day: int, meter: str, quantity: str, rate: str, cost: str, unit: str, currency: str
) -> list[str]:
    return [
        "Research", "ACM", "owner@example.com", "0f5c-sub", "Research IT", "rg-1", "westeurope",
        f"2024-09-{day:02d}", "Storage - Hot LRS", "Storage", "Tiered Block Blob", meter,
        "Hot LRS Data Stored", "West Europe", unit, quantity, rate, cost, "cc-1", "Microsoft.Storage",
        "Microsoft.Storage/storageAccounts",
        f"/subscriptions/0f5c-sub/storage/{meter}", '"env": "prod"', "MS-AZR-0017P", "", "", "", currency,
    ]  # fmt: skip


AZURE_LEGACY_ROWS = [
    _legacy_row(5, "s-1", "10", "0.02", "0.2", "1 GB/Month", "EUR"),
    _legacy_row(6, "s-2", "0.0004", "0.1", "0.00004", "10K", "EUR"),
    _legacy_row(7, "s-3", "48", "0.05", "2.4", "1 Hour", "USD"),
]

# Google Cloud billing export, flattened by common tools: Python-literal records, labels as
# the documented array of {key, value}, an object, or empty.
GCP_HEADER = [
    "billing_account_id", "invoice.month", "service.description", "sku.id", "sku.description",
    "usage_start_time", "usage_end_time", "project.id", "location.region", "labels", "system_labels",
    "cost", "currency", "cost_type", "usage.amount", "usage.unit", "usage.amount_in_pricing_units",
    "usage.pricing_unit", "credits",
]  # fmt: skip


def _gcp_row(sku: str, cost: str, labels: str, credits: str, currency: str = "USD") -> list[str]:
    return [
        "01AB-CD", "202409", "Compute Engine", sku, "N2 core", "2024-09-02 00:00:00 UTC",
        "2024-09-02 01:00:00 UTC", "proj-9", "europe-north1", labels, "[]", cost, currency, "regular", "3600",
        "seconds", "1", "hour", credits,
    ]  # fmt: skip


GCP_ROWS = [
    _gcp_row(
        "S-1",
        "5.00",
        "[{'key': 'env', 'value': 'prod'}]",
        "[{'name': 'FreeTier', 'amount': -1.25, 'full_name': None, 'id': 'ft', 'type': 'FREE_TIER'}]",
    ),
    _gcp_row(
        "S-2",
        "2.50",
        '[{"key": "team", "value": "ml"}, {"key": " env", "value": "dev"}]',
        '[{"name": "CUD", "amount": -0.5, "type": "COMMITTED_USAGE_DISCOUNT"}]',
    ),
    _gcp_row("S-3", "1.10", "[]", "[]", currency="EUR"),
    _gcp_row("S-4", "0.40", "{'team': 'ml', 'shared': True}", "None"),
    _gcp_row(
        "S-5", "0.30", "[{'key': 'app', 'value': \"O'Brien's\"}]", "[{'name': 'Promo', 'amount': -0.1}]"
    ),
    _gcp_row("S-6", "9.99", "[]", "[{'name': 'X', 'amount': -1.0}"),  # cut short: neither JSON nor a literal
    _gcp_row("S-7", "8.88", "[{key: env}]", "[]"),  # unquoted keys: neither JSON nor a literal
]
GCP_MALFORMED_SKUS = {"S-6", "S-7"}


def _csv_text(header: list[str], rows: list[list[str]], lineterminator: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _any_case_header(header: list[str]) -> list[str]:
    """The real EA sample's names in a mix of cases (lower, UPPER, as written), as tools re-export them."""
    return [
        name.lower() if i % 3 == 0 else name.upper() if i % 3 == 1 else name for i, name in enumerate(header)
    ]


def _build_landing(landing: Path) -> None:
    _write(landing / AZURE / "mca_camel_2024-09.csv", _csv_text(AZURE_CAMEL_HEADER, AZURE_CAMEL_ROWS))
    _write(landing / AZURE / "legacy_2024-09.csv", _csv_text(AZURE_LEGACY_HEADER, AZURE_LEGACY_ROWS))
    with (REAL_FIXTURES / "azure" / "azure_ea_actual_cost_small.csv").open(
        newline="", encoding="utf-8-sig"
    ) as f:
        header, *rows = list(csv.reader(f))
    _write(landing / AZURE / "ea_any_case_2024-09.csv", _csv_text(_any_case_header(header), rows))
    _write(landing / GCP / "gcp_literals_2024-09.csv", _csv_text(GCP_HEADER, GCP_ROWS))
    # A dump of a cluster declared with a header that lacks two of the fields billing needs,
    # and a meter file in another site's layout: each rejected whole, each blocking the period.
    _write(
        landing / SLURM / "sacct_2024-09_short.txt",
        "JobID|User|State|Start|End|Elapsed\n1|ann|COMPLETED|x|y|z\n",
    )
    _write(
        landing / ENERGY / "readings_2024-09.csv", "MeterId;Timestamp;CounterKWh\nM1;2024-09-01T00:00:00Z;1\n"
    )


def _independent_totals(
    header: list[str], rows: list[list[str]], cost: str, currency: str
) -> dict[str, Decimal]:
    """Billed total per currency as the file states it, summed here with Decimal."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    index = {name.lower(): i for i, name in enumerate(header)}
    for row in rows:
        totals[row[index[currency.lower()]]] += Decimal(row[index[cost.lower()]])
    return dict(totals)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("export_variants")
    landing = root / "landing"
    _build_landing(landing)
    # The data tests of the vendor models and of the exception queue they feed.
    tested = [
        "staging.azure",
        "staging.gcp",
        "int_vendor_charges__unified",
        "int_vendor_charges__conservation",
        "fct_billing_exceptions",
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


def _billed_by_currency(lines: list[dict[str, object]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line["row_status"] != "quarantined":
            totals[str(line["currency_code"])] += Decimal(str(line["billed_amount"]))
    return dict(totals)


# ---------------------------------------------------------------- header recognition (pure)


def test_azure_layouts_are_recognised_whatever_the_case() -> None:
    with (REAL_FIXTURES / "azure" / "azure_ea_actual_cost_small.csv").open(
        newline="", encoding="utf-8-sig"
    ) as f:
        ea_header = next(csv.reader(f))
    assert recognise_azure(AZURE_CAMEL_HEADER) == "azure_mca"
    assert recognise_azure([name.upper() for name in AZURE_CAMEL_HEADER]) == "azure_mca"
    assert recognise_azure(_any_case_header(ea_header)) == "azure_ea"
    assert recognise_azure(AZURE_LEGACY_HEADER) == "azure_legacy"
    assert recognise_azure([name.lower() for name in AZURE_LEGACY_HEADER]) == "azure_legacy"
    with pytest.raises(HeaderError, match="missing columns 'UsageQuantity', 'Currency'"):
        recognise_azure([c for c in AZURE_LEGACY_HEADER if c not in ("UsageQuantity", "Currency")])


# ---------------------------------------------------------------- Azure through the models


@pytest.mark.parametrize(
    ("file_name", "header", "rows", "cost", "currency", "variant"),
    [
        (
            "mca_camel_2024-09.csv",
            AZURE_CAMEL_HEADER,
            AZURE_CAMEL_ROWS,
            "costInBillingCurrency",
            "billingCurrency",
            "azure_mca",
        ),
        ("legacy_2024-09.csv", AZURE_LEGACY_HEADER, AZURE_LEGACY_ROWS, "PreTaxCost", "Currency",
         "azure_legacy"),
    ],
)  # fmt: skip
def test_azure_variant_conserves_rows_and_billed_totals(
    built: duckdb.DuckDBPyConnection,
    file_name: str,
    header: list[str],
    rows: list[list[str]],
    cost: str,
    currency: str,
    variant: str,
) -> None:
    lines = _lines(built, file_name)
    assert len(lines) == len(rows)
    assert {line["layout_variant"] for line in lines} == {variant}
    assert [line for line in lines if line["row_status"] == "quarantined"] == []
    assert _billed_by_currency(lines) == _independent_totals(header, rows, cost, currency)


def _real_ea_sample() -> tuple[list[str], list[list[str]]]:
    with (REAL_FIXTURES / "azure" / "azure_ea_actual_cost_small.csv").open(
        newline="", encoding="utf-8-sig"
    ) as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def test_azure_any_case_real_sample_is_recognised_and_conserved(built: duckdb.DuckDBPyConnection) -> None:
    _, rows = _real_ea_sample()
    lines = _lines(built, "ea_any_case_2024-09.csv")
    assert len(lines) == len(rows) == 11
    assert {line["layout_variant"] for line in lines} == {"azure_ea"}
    assert [line for line in lines if line["row_status"] == "quarantined"] == []


def test_azure_real_sample_keeps_every_decimal_the_file_wrote(built: duckdb.DuckDBPyConnection) -> None:
    header, rows = _real_ea_sample()
    lines = _lines(built, "ea_any_case_2024-09.csv")
    assert _billed_by_currency(lines) == _independent_totals(header, rows, "Cost", "BillingCurrency")


def test_azure_legacy_rows_are_usage_with_their_units_and_tags(built: duckdb.DuckDBPyConnection) -> None:
    stored, ten_k, hours = _lines(built, "legacy_2024-09.csv")
    assert {line["charge_category"] for line in (stored, ten_k, hours)} == {"Usage"}
    assert str(stored["charge_period_start_at"]) == "2024-09-05 00:00:00"
    assert (ten_k["billed_quantity"], ten_k["billed_unit"]) == (Decimal("4"), "Units")
    assert (hours["billed_quantity"], hours["currency_code"]) == (Decimal("48"), "USD")
    assert stored["tags"] == '{"env":"prod"}'
    assert (
        stored["sub_account_id"] == "0f5c-sub"
        and stored["resource_id"] == "/subscriptions/0f5c-sub/storage/s-1"
    )


def test_azure_camel_case_refund_is_a_correction(built: duckdb.DuckDBPyConnection) -> None:
    *_, refund = _lines(built, "mca_camel_2024-09.csv")
    assert (refund["charge_class"], refund["billed_amount"]) == ("Correction", Decimal("-0.5"))


# ---------------------------------------------------------------- Google through the models


def test_gcp_python_literals_and_label_shapes_conserve_the_file(built: duckdb.DuckDBPyConnection) -> None:
    lines = _lines(built, "gcp_literals_2024-09.csv")
    # Independent parse: cost plus each credit's amount, credits read with ast.literal_eval.
    expected: dict[str, Decimal] = defaultdict(Decimal)
    expected_lines = 0
    for row in GCP_ROWS:
        values = dict(zip(GCP_HEADER, row, strict=True))
        if values["sku.id"] in GCP_MALFORMED_SKUS:
            continue
        credits = ast.literal_eval(values["credits"]) or []
        expected[values["currency"]] += Decimal(values["cost"]) + sum(
            (Decimal(str(c["amount"])) for c in credits), Decimal(0)
        )
        expected_lines += 1 + len(credits)
    billable = [line for line in lines if line["row_status"] != "quarantined"]
    assert len(billable) == expected_lines
    assert {line["row_status"] for line in billable} == {"canonical"}
    assert _billed_by_currency(lines) == dict(expected)
    assert len({line["source_row"] for line in lines}) == len(GCP_ROWS)


def test_gcp_labels_in_every_documented_shape(built: duckdb.DuckDBPyConnection) -> None:
    tags = {line["vendor_item_code"]: line["tags"] for line in _lines(built, "gcp_literals_2024-09.csv")}
    assert tags["S-1"] == '{"env":"prod"}'
    assert tags["S-2"] == '{"team":"ml","env":"dev"}'
    assert tags["S-3"] == "{}"
    assert tags["S-4"] == '{"team":"ml","shared":true}'
    assert tags["S-5"] == '{"app":"O\'Brien\'s"}'


def test_gcp_cells_that_are_neither_json_nor_literal_are_quarantined(
    built: duckdb.DuckDBPyConnection,
) -> None:
    broken = {
        line["vendor_item_code"]: line
        for line in _lines(built, "gcp_literals_2024-09.csv")
        if line["row_status"] == "quarantined"
    }
    assert set(broken) == GCP_MALFORMED_SKUS
    assert "credits='[{'name': 'X', 'amount': -1.0}'" in str(broken["S-6"]["quarantine_detail"])
    assert "labels='[{key: env}]'" in str(broken["S-7"]["quarantine_detail"])
    reasons = built.execute(
        "select count(*) from marts.fct_billing_exceptions where reason_code = 'invalid_value' "
        "and source_file like '%gcp_literals_2024-09.csv'"
    ).fetchone()
    assert reasons == (2,)


def test_every_variant_file_balances(built: duckdb.DuckDBPyConnection) -> None:
    files = dict(
        built.execute(
            "select source_file, is_balanced from intermediate.int_vendor_charges__conservation"
        ).fetchall()
    )
    assert files == {
        f"{AZURE}/mca_camel_2024-09.csv": True,
        f"{AZURE}/legacy_2024-09.csv": True,
        f"{AZURE}/ea_any_case_2024-09.csv": True,
        f"{GCP}/gcp_literals_2024-09.csv": True,
    }


# ---------------------------------------------------------------- rejected files of any kind


def test_rejected_files_of_any_kind_name_every_missing_field_and_block_the_period(
    built: duckdb.DuckDBPyConnection,
) -> None:
    rejections = dict(built.execute("select * from ingest_rejections").fetchall())
    assert set(rejections) == {f"{SLURM}/sacct_2024-09_short.txt", f"{ENERGY}/readings_2024-09.csv"}
    assert (
        "missing columns 'Account', one of 'AllocTRES', 'NCPUS', 'AllocCPUS'"
        in rejections[f"{SLURM}/sacct_2024-09_short.txt"]
    )
    exceptions = built.execute(
        "select source_file, source_system, site_id, is_blocking, status from marts.fct_billing_exceptions "
        "where reason_code = 'layout_rejected' order by source_file"
    ).fetchall()
    assert exceptions == [
        (f"{ENERGY}/readings_2024-09.csv", "energy", "hel1", True, "open"),
        (f"{SLURM}/sacct_2024-09_short.txt", "slurm", None, True, "open"),
    ]
    assert Counter(row[1] for row in exceptions) == Counter({"energy": 1, "slurm": 1})
