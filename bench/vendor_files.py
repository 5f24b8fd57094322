"""Throughput files for the vendor billing formats: N rows written by DuckDB from `range()`
(no Python loop over rows), so `make bench` can time the real ingest per format.

Each `write_<format>_bench_file(path, rows)` writes one file in that format; the folder it
must be dropped in (and the vendor declared there) is in BENCH_FORMATS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

# A day of hourly charges per resource; i is the row number from range().
_HOUR = "timestamp '2026-10-01' + to_hours(cast(i % 720 as integer))"
_HOUR_END = "timestamp '2026-10-01' + to_hours(cast(i % 720 as integer) + 1)"
_ISO = "'%Y-%m-%dT%H:%M:%SZ'"


def _copy(path: Path, columns: dict[str, str], rows: int, options: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    select = ", ".join(f'{expression} as "{name}"' for name, expression in columns.items())
    with duckdb.connect() as con:
        con.execute(f"copy (select {select} from range({int(rows)}) as t(i)) to '{path}' ({options})")


_FOCUS_COLUMNS = {
    "BilledCost": "cast((i % 997) * 0.0137 as decimal(18, 6))",
    "BillingAccountId": "'ACC-1'",
    "BillingCurrency": "'USD'",
    "BillingPeriodEnd": "'2026-11-01T00:00:00Z'",
    "BillingPeriodStart": "'2026-10-01T00:00:00Z'",
    "ChargeCategory": "case when i % 50 = 0 then 'Tax' else 'Usage' end",
    "ChargeClass": "'NULL'",
    "ChargeFrequency": "case when i % 2 = 0 then 'Usage-Based' else 'Usage-based' end",
    "ChargePeriodEnd": f"strftime({_HOUR_END}, {_ISO})",
    "ChargePeriodStart": f"strftime({_HOUR}, {_ISO})",
    "ConsumedQuantity": "'1'",
    "ConsumedUnit": "'Hours'",
    "ContractedUnitPrice": "'0.384'",
    "EffectiveCost": "cast((i % 997) * 0.0137 as decimal(18, 6))",
    "InvoiceId": "'INV-BENCH'",
    "ListUnitPrice": "'0.5'",
    "PricingQuantity": "'1'",
    "PricingUnit": "'Hours'",
    "RegionId": "'eu-north-1'",
    "ResourceId": "'node-' || (i // 720)",
    "ServiceName": "'Compute'",
    "SkuId": "'NC-GP8-STD'",
    "SubAccountId": "'proj-' || (i % 17)",
    "Tags": """'{" team": "t' || (i % 9) || '"}'""",
}


def write_focus_csv_bench_file(path: Path, rows: int) -> None:
    _copy(path, _FOCUS_COLUMNS, rows, "format csv, header")


def write_focus_csv_gz_bench_file(path: Path, rows: int) -> None:
    _copy(path, _FOCUS_COLUMNS, rows, "format csv, header, compression gzip")


def write_focus_parquet_bench_file(path: Path, rows: int) -> None:
    _copy(path, _FOCUS_COLUMNS, rows, "format parquet")


_CUR_LEGACY_COLUMNS = {
    "identity/LineItemId": "'li-' || (i // 24)",
    "identity/TimeInterval": f"strftime({_HOUR}, {_ISO}) || '/' || strftime({_HOUR_END}, {_ISO})",
    "bill/InvoiceId": "'INV-AWS'",
    "bill/PayerAccountId": "'111122223333'",
    "bill/BillingPeriodStartDate": "'2026-10-01T00:00:00.000Z'",
    "bill/BillingPeriodEndDate": "'2026-11-01T00:00:00.000Z'",
    "lineItem/UsageAccountId": "'444455556666'",
    "lineItem/LineItemType": "case when i % 50 = 0 then 'Tax' else 'Usage' end",
    "lineItem/UsageStartDate": f"strftime({_HOUR}, '%Y-%m-%dT%H:%M:%S.000Z')",
    "lineItem/UsageEndDate": f"strftime({_HOUR_END}, '%Y-%m-%dT%H:%M:%S.000Z')",
    "lineItem/ProductCode": "'AmazonEC2'",
    "lineItem/UsageAmount": "'1.0E0'",
    "lineItem/CurrencyCode": "'USD'",
    "lineItem/UnblendedRate": "'0.096'",
    "lineItem/UnblendedCost": "printf('%.6e', (i % 997) * 0.0137)",
    "lineItem/ResourceId": "'i-' || (i // 720)",
    "product/sku": "'SKU123'",
    "product/regionCode": "'eu-north-1'",
    "pricing/unit": "'Hrs'",
    "pricing/publicOnDemandRate": "'0.12'",
}


def write_aws_cur_legacy_bench_file(path: Path, rows: int) -> None:
    _copy(path, _CUR_LEGACY_COLUMNS, rows, "format csv, header")


def _snake(legacy: str) -> str:
    record, field = legacy.split("/")
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in field)
    return f"{'line_item' if record == 'lineItem' else record}_{snake.lstrip('_')}"


def write_aws_cur_2_bench_file(path: Path, rows: int) -> None:
    columns = {_snake(name): expression for name, expression in _CUR_LEGACY_COLUMNS.items()}
    _copy(path, columns, rows, "format parquet")


_AZURE_EA_COLUMNS = {
    "BillingAccountId": "'8611537'",
    "BillingPeriodStartDate": "'10/01/2026'",
    "BillingPeriodEndDate": "'10/31/2026'",
    "AccountOwnerId": "'owner@example.com'",
    "SubscriptionId": "'sub-' || (i % 13)",
    "Date": "strftime(date '2026-10-01' + cast(i % 31 as integer), '%-m/%-d/%Y')",
    "MeterId": "'meter-' || (i % 101)",
    "MeterCategory": "'Storage'",
    "Quantity": "'0.0004'",
    "EffectivePrice": "'0.1'",
    "Cost": "'0.00004'",
    "UnitPrice": "'0.1'",
    "BillingCurrency": "'EUR'",
    "ResourceLocation": "'westeurope'",
    "ResourceId": "'/subscriptions/x/resource-' || i",
    "Tags": """'"env": "prod","team": "t' || (i % 9) || '"'""",
    "UnitOfMeasure": "case when i % 2 = 0 then '10K' else '1 GB/Month' end",
    "ChargeType": "'Usage'",
    "Frequency": "'UsageBased'",
    "PayGPrice": "'0.1'",
    "PricingModel": "'OnDemand'",
}


def write_azure_ea_bench_file(path: Path, rows: int) -> None:
    _copy(path, _AZURE_EA_COLUMNS, rows, "format csv, header")


def write_azure_mca_bench_file(path: Path, rows: int) -> None:
    renamed = {"Cost": "costInBillingCurrency", "AccountOwnerId": "billingProfileId"}
    columns = {
        renamed.get(name, name[0].lower() + name[1:]): expression
        for name, expression in _AZURE_EA_COLUMNS.items()
    }
    columns["date"] = "strftime(date '2026-10-01' + cast(i % 31 as integer), '%Y-%m-%d')"
    _copy(path, columns, rows, "format csv, header")


_AZURE_LEGACY_COLUMNS = {  # the legacy cost report: UsageDateTime, PreTaxCost, Currency, no ChargeType
    "AccountOwnerId": "'owner@example.com'",
    "SubscriptionGuid": "'sub-' || (i % 13)",
    "UsageDateTime": "strftime(date '2026-10-01' + cast(i % 31 as integer), '%Y-%m-%d')",
    "MeterId": "'meter-' || (i % 101)",
    "MeterCategory": "'Storage'",
    "UnitOfMeasure": "case when i % 2 = 0 then '10K' else '1 GB/Month' end",
    "UsageQuantity": "'0.0004'",
    "ResourceRate": "'0.1'",
    "PreTaxCost": "'0.00004'",
    "InstanceId": "'/subscriptions/x/resource-' || i",
    "Tags": """'"env": "prod","team": "t' || (i % 9) || '"'""",
    "Currency": "'EUR'",
}


def write_azure_legacy_bench_file(path: Path, rows: int) -> None:
    _copy(path, _AZURE_LEGACY_COLUMNS, rows, "format csv, header")


_GCP_COLUMNS = {
    "billing_account_id": "'0A-1'",
    "invoice.month": "'202610'",
    "service.description": "'Cloud Storage'",
    "sku.id": "'GCS-STD'",
    "usage_start_time": f"strftime({_HOUR}, '%Y-%m-%dT%H:%M:%S') || '-07:00'",
    "usage_end_time": f"strftime({_HOUR_END}, '%Y-%m-%dT%H:%M:%S') || '-07:00'",
    "project.id": "'proj-' || (i % 17)",
    "resource.global_name": "'//storage/bucket-' || i",
    "labels": "'{}'",
    "cost": "cast((i % 997) * 0.0137 as decimal(18, 6))",
    "currency": "'USD'",
    "cost_type": "'regular'",
    "usage.amount": "cast(5368709120 as bigint)",
    "usage.unit": "'bytes'",
    "credits": """case when i % 3 = 0 then '[{"name": "FreeTier", "amount": -0.01}]' else '[]' end""",
}


def write_gcp_csv_bench_file(path: Path, rows: int) -> None:
    _copy(path, _GCP_COLUMNS, rows, "format csv, header")


def write_gcp_parquet_bench_file(path: Path, rows: int) -> None:
    _copy(path, _GCP_COLUMNS, rows, "format parquet")


def write_gcp_python_literal_bench_file(path: Path, rows: int) -> None:
    """Credits and labels as flattening tools write them: Python literals, labels as key/value pairs."""
    columns = {
        **_GCP_COLUMNS,
        "labels": "'[{''key'': ''team'', ''value'': ''t' || (i % 9) || '''}]'",
        "credits": "case when i % 3 = 0 then '[{''name'': ''FreeTier'', ''amount'': -0.01, ''id'': None}]' "
        "else '[]' end",
    }
    _copy(path, columns, rows, "format csv, header")


_OCI_MINUTE = "'%Y-%m-%dT%H:%MZ'"  # Oracle writes interval times to the minute
_OCI_COLUMNS = {  # Oracle's cost report schema, two tag keys as their own columns
    "lineItem/referenceNo": "'r-' || i",
    "lineItem/tenantId": "'ocid1.tenancy.oc1..bench'",
    "lineItem/intervalUsageStart": f"strftime({_HOUR}, {_OCI_MINUTE})",
    "lineItem/intervalUsageEnd": f"strftime({_HOUR_END}, {_OCI_MINUTE})",
    "product/service": "'COMPUTE'",
    "product/resource": "'PIC_COMPUTE_STANDARD_E4_FLEX'",
    "product/compartmentId": "'ocid1.compartment.oc1..c' || (i % 17)",
    "product/compartmentName": "'compartment-' || (i % 17)",
    "product/region": "'eu-frankfurt-1'",
    "product/availabilityDomain": "'fRAn:EU-FRANKFURT-1-AD-1'",
    "product/resourceId": "'ocid1.instance.oc1.eu-frankfurt-1.' || (i // 720)",
    "usage/billedQuantity": "'2'",
    "usage/billedQuantityOverage": "'0'",
    "cost/subscriptionId": "'8123456'",
    "cost/productSku": "'B93113'",
    "product/Description": "'Compute - Standard - E4 - OCPU'",
    "cost/unitPrice": "'0.025'",
    "cost/unitPriceOverage": "''",
    "cost/myCost": "cast((i % 997) * 0.0137 as decimal(18, 6))",
    "cost/myCostOverage": "'0'",
    "cost/currencyCode": "'USD'",
    "cost/billingUnitReadable": "'ONE HOURS'",
    "cost/skuUnitDescription": "'OCPU Per Hour'",
    "cost/overageFlag": "'N'",
    "lineItem/isCorrection": "case when i % 500 = 0 then 'true' else 'false' end",
    "lineItem/backreferenceNo": "case when i % 500 = 0 then 'r-' || (i + 1) else '' end",
    "tags/Oracle-Tags.CreatedBy": "'user' || (i % 9) || '@example.com'",
    "tags/team": "case when i % 2 = 0 then 't' || (i % 9) else '' end",
}


def write_oci_csv_gz_bench_file(path: Path, rows: int) -> None:
    _copy(path, _OCI_COLUMNS, rows, "format csv, header, compression gzip")


_COLO_COLUMNS = {  # aurora_dc's declared layout (seeds/sources/colo_layout_columns.csv)
    "invoice_no": "'AUR-2026-10-0042'",
    "line_no": "cast(i + 1 as varchar)",
    "service_from": "'2026-10-01'",
    "service_to": "'2026-10-31'",
    "description": "'Metered power'",
    "item_code": "case i % 3 when 0 then 'PWR-MET' when 1 then 'SPC-RACK' else 'PWR-MET' end",
    "qty": "cast(i % 1000 as varchar) || '.500'",
    "uom": "'kWh'",
    "unit_price_eur": "'0.098'",
    "line_total_eur": "cast(cast((i % 1000) * 0.098 as decimal(18, 2)) as varchar)",
}


def write_colo_bench_file(path: Path, rows: int) -> None:
    _copy(path, _COLO_COLUMNS, rows, "format csv, header")


# format -> (landing folder, file name, writer); bench.adapters measures each one.
BENCH_FORMATS: dict[str, tuple[str, str, Callable[[Path, int], None]]] = {
    "focus_csv": ("vendor_billing/focus/nimbus_cloud", "bench.csv", write_focus_csv_bench_file),
    "focus_csv_gz": ("vendor_billing/focus/nimbus_cloud", "bench.csv.gz", write_focus_csv_gz_bench_file),
    "focus_parquet": ("vendor_billing/focus/nimbus_cloud", "bench.parquet", write_focus_parquet_bench_file),
    "aws_cur_legacy_csv": (
        "vendor_billing/aws_cur/stratus_aws",
        "bench.csv",
        write_aws_cur_legacy_bench_file,
    ),
    "aws_cur_2_parquet": ("vendor_billing/aws_cur/stratus_aws", "bench.parquet", write_aws_cur_2_bench_file),
    "azure_ea_csv": ("vendor_billing/azure/cobalt_azure", "bench.csv", write_azure_ea_bench_file),
    "azure_mca_csv": ("vendor_billing/azure/cobalt_azure", "bench.csv", write_azure_mca_bench_file),
    "azure_legacy_csv": ("vendor_billing/azure/cobalt_azure", "bench.csv", write_azure_legacy_bench_file),
    "gcp_csv": ("vendor_billing/gcp/meridian_gcp", "bench.csv", write_gcp_csv_bench_file),
    "gcp_parquet": ("vendor_billing/gcp/meridian_gcp", "bench.parquet", write_gcp_parquet_bench_file),
    "gcp_python_literal_csv": (
        "vendor_billing/gcp/meridian_gcp",
        "bench.csv",
        write_gcp_python_literal_bench_file,
    ),
    "oci_csv_gz": ("vendor_billing/oci/boreal_oci", "bench.csv.gz", write_oci_csv_gz_bench_file),
    "colo_csv": ("vendor_billing/colo/aurora_dc", "bench.csv", write_colo_bench_file),
}
