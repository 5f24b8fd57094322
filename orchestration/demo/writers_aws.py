"""The AWS payer's legacy Cost and Usage Report (slash column names): one usage line per
node per day whose line item id repeats every day (unique only with the time interval),
usage amounts in scientific notation, and the month's tax as separate `Tax` line items."""

from __future__ import annotations

from pathlib import Path

from orchestration.demo.clock import iso_utc
from orchestration.demo.cloud_lines import daily_charges, plain
from orchestration.demo.policy import Policy
from orchestration.demo.text import Written, write_csv_rows

VENDOR_ID = "stratus_aws"
NODES = (("i-0a11stratus01", "SA-M5-XL"), ("i-0a11stratus02", "SA-M5-XL"))
ITEM_CODES = {"SA-M5-XL": "7QZ8EWXY3K2P9M4N"}  # AWS product/sku -> our vendor SKU (vendor_sku_map)
HEADER = [
    "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity",
    "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "lineItem/ProductCode", "lineItem/UsageType", "lineItem/ResourceId", "lineItem/UsageAmount",
    "lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost",
    "lineItem/LineItemDescription", "product/ProductName", "product/regionCode", "product/sku",
    "pricing/unit", "pricing/publicOnDemandRate",
]  # fmt: skip
TAX = "1.92"


def _cur_time(instant: int) -> str:
    return iso_utc(instant).replace("Z", ".000Z")


def write_aws_cur(landing: Path, period: str, start: int, end: int, policy: Policy) -> Written:
    relative = f"vendor_billing/aws_cur/{VENDOR_ID}/cur_{period}.csv"
    invoice = f"EUINNO{period.replace('-', '')}01"
    common = [invoice, "AWS", "123456789012", _cur_time(start), _cur_time(end), "210987654321"]
    rows = []
    for charge in daily_charges(VENDOR_ID, NODES, start, end, policy):
        interval = f"{iso_utc(charge.start)}/{iso_utc(charge.end)}"
        rows.append(
            [
                f"li-{charge.resource_id}",
                interval,
                *common,
                "Usage",
                _cur_time(charge.start),
                _cur_time(charge.end),
                "AmazonEC2",
                "EUN1-BoxUsage:m5.xlarge",
                charge.resource_id,
                f"{plain(charge.hours / 10)}E1",
                "USD",
                plain(charge.unit_price),
                plain(charge.cost),
                "USD 0.192 per On Demand Linux m5.xlarge Instance Hour",
                "Amazon Elastic Compute Cloud",
                "eu-north-1",
                ITEM_CODES[charge.vendor_sku_id],
                "Hrs",
                "0.204",
            ]
        )
    tax_row = [
        "li-tax-ec2", f"{iso_utc(start)}/{iso_utc(end)}", *common, "Tax", _cur_time(start), _cur_time(end),
        "AmazonEC2", "", "", "1", "USD", "", TAX, "Tax for product code AmazonEC2",
        "Amazon Elastic Compute Cloud", "", "", "", "",
    ]  # fmt: skip
    rows.append(tax_row)
    return Written(rows={relative: write_csv_rows(landing / relative, HEADER, rows, ",")})
