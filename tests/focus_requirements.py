"""FOCUS 1.2 column requirements, checked on an exported FOCUS file with DuckDB.

Each column's feature level, type, nullability and allowed values, and the row rules that tie
columns together, as the FOCUS 1.2 specification states them (specification/columns/*.md).
The focus-validator package checks only pre-GA rule sets (1.0 and earlier, with names such as
`Provider` and `ResourceID`); the checks of it that still hold in 1.2 (present, not null,
decimal, date-time, currency code, allowed values) are here under their 1.2 names, with the
1.2 rules it lacks. `check_file` returns one line per failed rule, named by its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
from babel.numbers import list_currencies


@dataclass(frozen=True)
class Column:
    name: str
    level: str  # Mandatory, Recommended or Conditional
    kind: str  # decimal, datetime, string, json
    nullable: bool
    allowed: tuple[str, ...] = ()


CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
SERVICE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": (
        "Bots", "Generative AI", "Machine Learning", "Natural Language Processing",
        "Other (AI and Machine Learning)",
    ),
    "Analytics": (
        "Analytics Platform", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics",
        "Other (Analytics)",
    ),
    "Business Applications": ("Other (Business Applications)",),
    "Compute": (
        "Containers", "End User Computing", "Quantum", "Serverless Compute", "Virtual Machines",
        "Other (Compute)",
    ),
    "Databases": (
        "Caching", "Data Warehouse", "Relational", "NoSQL", "Ledger", "Time Series", "Other (Databases)",
    ),
    "Developer Tools": ("Other (Developer Tools)",),
    "Identity": ("Other (Identity)",),
    "Integration": ("API Management", "Messaging", "Workflow Automation", "Other (Integration)"),
    "Internet of Things": ("Other (Internet of Things)",),
    "Management and Governance": (
        "Administration", "Architecture", "Compliance", "Cost Management", "Data Governance",
        "Disaster Recovery", "Observability", "Support", "Other (Management and Governance)",
    ),
    "Media": ("Other (Media)",),
    "Migration": ("Other (Migration)",),
    "Mobile": ("Other (Mobile)",),
    "Multicloud": ("Other (Multicloud)",),
    "Networking": (
        "Content Delivery", "Data Transfer", "Load Balancing", "Network Management", "Network Security",
        "Other (Networking)",
    ),
    "Security": ("CSPM", "Credentials", "SIEM", "Threat Detection", "Other (Security)"),
    "Storage": ("Backups", "Bulk Transfer", "Disk", "Files", "Object Storage", "Other (Storage)"),
    "Web": ("Other (Web)",),
    "Other": ("Other (Other)",),
}  # fmt: skip

COLUMNS = (
    Column("BilledCost", "Mandatory", "decimal", False),
    Column("BillingAccountId", "Mandatory", "string", False),
    Column("BillingAccountName", "Mandatory", "string", True),
    Column("BillingAccountType", "Conditional", "string", True),
    Column("BillingCurrency", "Mandatory", "string", False),
    Column("BillingPeriodEnd", "Mandatory", "datetime", False),
    Column("BillingPeriodStart", "Mandatory", "datetime", False),
    Column("ChargeCategory", "Mandatory", "string", False, CHARGE_CATEGORIES),
    Column("ChargeClass", "Mandatory", "string", True, ("Correction",)),
    Column("ChargeDescription", "Mandatory", "string", True),
    Column("ChargeFrequency", "Recommended", "string", False, ("One-Time", "Recurring", "Usage-Based")),
    Column("ChargePeriodEnd", "Mandatory", "datetime", False),
    Column("ChargePeriodStart", "Mandatory", "datetime", False),
    Column("CommitmentDiscountCategory", "Conditional", "string", True, ("Spend", "Usage")),
    Column("CommitmentDiscountId", "Conditional", "string", True),
    Column("CommitmentDiscountName", "Conditional", "string", True),
    Column("CommitmentDiscountStatus", "Conditional", "string", True, ("Used", "Unused")),
    Column("CommitmentDiscountType", "Conditional", "string", True),
    Column("ConsumedQuantity", "Conditional", "decimal", True),
    Column("ConsumedUnit", "Conditional", "string", True),
    Column("ContractedCost", "Mandatory", "decimal", False),
    Column("ContractedUnitPrice", "Conditional", "decimal", True),
    Column("EffectiveCost", "Mandatory", "decimal", False),
    Column("InvoiceId", "Recommended", "string", True),
    Column("InvoiceIssuerName", "Mandatory", "string", False),
    Column("ListCost", "Mandatory", "decimal", False),
    Column("ListUnitPrice", "Conditional", "decimal", True),
    Column("PricingCategory", "Conditional", "string", True, ("Standard", "Dynamic", "Committed", "Other")),
    Column("PricingQuantity", "Mandatory", "decimal", True),
    Column("PricingUnit", "Mandatory", "string", True),
    Column("ProviderName", "Mandatory", "string", False),
    Column("PublisherName", "Mandatory", "string", False),
    Column("RegionId", "Conditional", "string", True),
    Column("RegionName", "Conditional", "string", True),
    Column("ResourceId", "Conditional", "string", True),
    Column("ResourceName", "Conditional", "string", True),
    Column("ServiceCategory", "Mandatory", "string", False, tuple(SERVICE_SUBCATEGORIES)),
    Column("ServiceName", "Mandatory", "string", False),
    Column(
        "ServiceSubcategory",
        "Recommended",
        "string",
        False,
        tuple(s for subs in SERVICE_SUBCATEGORIES.values() for s in subs),
    ),
    Column("SkuId", "Conditional", "string", True),
    Column("SkuPriceId", "Conditional", "string", True),
    Column("SubAccountId", "Conditional", "string", True),
    Column("SubAccountName", "Conditional", "string", True),
    Column("SubAccountType", "Conditional", "string", True),
    Column("Tags", "Conditional", "json", True),
)
# Columns a FOCUS 1.2 dataset leaves out when the provider has no such feature (none of our
# vendors sells capacity reservations, prices in a second currency or meters SKUs apart).
ABSENT_CONDITIONAL = (
    "AvailabilityZone", "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "ResourceType", "SkuMeter",
    "SkuPriceDetails",
)  # fmt: skip
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
USAGE_OR_PURCHASE = "\"ChargeCategory\" in ('Usage', 'Purchase') and \"ChargeClass\" is null"


def _set_for_usage_or_purchase(column: str) -> str:
    """Not null on a usage or purchase row that is not a correction."""
    return f'not ({USAGE_OR_PURCHASE}) or "{column}" is not null'


# Row rules: id -> a condition every row must meet (FOCUS 1.2 column requirements).
ROW_RULES: dict[str, str] = {
    "ChargePeriodStart_BeforeEnd": '"ChargePeriodStart" < "ChargePeriodEnd"',
    "BillingPeriodStart_BeforeEnd": '"BillingPeriodStart" < "BillingPeriodEnd"',
    "ChargeFrequency_NotUsageBasedForPurchase": (
        "not (\"ChargeCategory\" = 'Purchase' and \"ChargeFrequency\" = 'Usage-Based')"
    ),
    "PricingCategory_NotNullForUsageOrPurchase": _set_for_usage_or_purchase("PricingCategory"),
    "PricingCategory_NullForTax": '"ChargeCategory" <> \'Tax\' or "PricingCategory" is null',
    "PricingQuantity_NotNullForUsageOrPurchase": _set_for_usage_or_purchase("PricingQuantity"),
    "PricingUnit_NotNullWithQuantity": '("PricingQuantity" is null) = ("PricingUnit" is null)',
    "ConsumedQuantity_NullUnlessUsage": '"ChargeCategory" = \'Usage\' or "ConsumedQuantity" is null',
    "ConsumedQuantity_NotNullForUsage": (
        'not ("ChargeCategory" = \'Usage\' and "ChargeClass" is null '
        "and coalesce(\"CommitmentDiscountStatus\", '') <> 'Unused') or \"ConsumedQuantity\" is not null"
    ),
    "ConsumedUnit_NotNullWithQuantity": '("ConsumedQuantity" is null) = ("ConsumedUnit" is null)',
    "SkuId_NotNullForUsageOrPurchase": _set_for_usage_or_purchase("SkuId"),
    "SkuPriceId_NotNullForUsageOrPurchase": _set_for_usage_or_purchase("SkuPriceId"),
    "ListUnitPrice_NotNullForUsageOrPurchase": _set_for_usage_or_purchase("ListUnitPrice"),
    "ContractedUnitPrice_NotNullForUsageOrPurchase": (_set_for_usage_or_purchase("ContractedUnitPrice")),
    # Unit price x quantity, as the vendor billed it: rounded to the cent (every vendor rounds
    # its cost columns; the specification states no rounding, docs/focus-export.md says so).
    "ContractedCost_UnitPriceTimesQuantity": (
        '"ContractedUnitPrice" is null or "PricingQuantity" is null or "ChargeClass" is not null '
        'or abs("ContractedCost" - "ContractedUnitPrice" * "PricingQuantity") <= 0.005'
    ),
    "ListCost_UnitPriceTimesQuantity": (
        '"ListUnitPrice" is null or "PricingQuantity" is null or "ChargeClass" is not null '
        'or abs("ListCost" - "ListUnitPrice" * "PricingQuantity") <= 0.005'
    ),
    "BillingAccountType_NotNullWithId": '"BillingAccountId" is null or "BillingAccountType" is not null',
    "SubAccountType_NullIffNoId": '("SubAccountId" is null) = ("SubAccountType" is null)',
    "SubAccountName_NullIffNoId": '("SubAccountId" is null) = ("SubAccountName" is null)',
    "ResourceName_NullWithoutId": '"ResourceId" is not null or "ResourceName" is null',
    "RegionName_NotNullWithId": '"RegionId" is null or "RegionName" is not null',
    "CommitmentDiscountName_NotNullWithId": (
        '"CommitmentDiscountId" is null or "CommitmentDiscountName" is not null'
    ),
    "CommitmentDiscountStatus_NullWithoutId": (
        '"CommitmentDiscountId" is not null or "CommitmentDiscountStatus" is null'
    ),
    "Tags_JsonObject": '"Tags" is null or json_type("Tags"::json) = \'OBJECT\'',
}


def _column_failures(con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> list[str]:
    failures = []
    currencies = set(list_currencies())
    for column in COLUMNS:
        if column.name not in names:
            if column.level == "Mandatory" or column.level == "Recommended":
                failures.append(f"{column.name}_Required: column missing")
            continue
        quoted = f'"{column.name}"'
        if not column.nullable:
            nulls = con.execute(f"select count(*) from {table} where {quoted} is null").fetchone()
            if nulls and nulls[0]:
                failures.append(f"{column.name}_NotNull: {nulls[0]} null row(s)")
        if column.allowed:
            values = [v for (v,) in con.execute(f"select distinct {quoted} from {table}").fetchall()]
            wrong = sorted(str(v) for v in values if v is not None and v not in column.allowed)
            if wrong:
                failures.append(f"{column.name}_AllowedValues: {wrong}")
        if column.name == "BillingCurrency":
            codes = [v for (v,) in con.execute(f"select distinct {quoted} from {table}").fetchall()]
            wrong = sorted(str(c) for c in codes if c not in currencies)
            if wrong:
                failures.append(f"BillingCurrency_IsCurrencyCode: {wrong}")
    return failures


def _row_failures(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    failures = []
    for rule, condition in ROW_RULES.items():
        row = con.execute(f"select count(*) from {table} where not coalesce({condition}, false)").fetchone()
        if row and row[0]:
            failures.append(f"{rule}: {row[0]} row(s)")
    pairs = con.execute(
        f'select distinct "ServiceCategory", "ServiceSubcategory" from {table} order by all'
    ).fetchall()
    orphans = [
        f"{category}/{sub}" for category, sub in pairs if sub not in SERVICE_SUBCATEGORIES.get(category, ())
    ]
    if orphans:
        failures.append(f"ServiceSubcategory_ChildOfCategory: {orphans}")
    return failures


def _name_failures(names: list[str]) -> list[str]:
    known = {c.name for c in COLUMNS} | set(ABSENT_CONDITIONAL)
    custom = [n for n in names if n not in known and not n.startswith("x_")]
    return [f"CustomColumns_Prefixed: {custom}"] if custom else []


def check_parquet(path: Path) -> list[str]:
    """Failed rules of a FOCUS Parquet file: its column types are Parquet's own."""
    con = duckdb.connect()
    con.execute(f"create view focus as select * from read_parquet('{path}')")
    types = dict(con.execute("select column_name, column_type from (describe focus)").fetchall())
    failures = _name_failures(list(types))
    for column in COLUMNS:
        declared = types.get(column.name)
        if declared is None:
            continue
        expected = {
            "decimal": "DECIMAL",
            "datetime": "TIMESTAMP WITH TIME ZONE",
            "string": "VARCHAR",
            "json": "VARCHAR",
        }[column.kind]
        if not str(declared).startswith(expected):
            failures.append(f"{column.name}_Is{column.kind.title()}: Parquet type {declared}")
    return failures + _column_failures(con, "focus", list(types)) + _row_failures(con, "focus")


def check_csv(path: Path) -> list[str]:
    """Failed rules of a FOCUS CSV file: every cell read as text, then parsed per its FOCUS type."""
    con = duckdb.connect()
    con.execute(f"create view cells as select * from read_csv('{path}', all_varchar = true, header = true)")
    names = [n for (n,) in con.execute("select column_name from (describe cells)").fetchall()]
    failures = _name_failures(names)
    typed = []
    for name in names:
        column = next((c for c in COLUMNS if c.name == name), None)
        kind = column.kind if column else "string"
        cells = [
            v for (v,) in con.execute(f'select "{name}" from cells where "{name}" is not null').fetchall()
        ]
        if kind == "decimal":
            bad = [v for v in cells if not _is_decimal(v)]
            typed.append(f'cast("{name}" as decimal(38, 10)) as "{name}"' if not bad else f'"{name}"')
        elif kind == "datetime":
            bad = [v for v in cells if not ISO_DATETIME.match(v)]
            typed.append(
                f'strptime("{name}", \'%Y-%m-%dT%H:%M:%SZ\') as "{name}"' if not bad else f'"{name}"'
            )
        else:
            bad = []
            typed.append(f'"{name}"')
        if bad:
            failures.append(f"{name}_Is{kind.title()}: {len(bad)} cell(s), e.g. {bad[0]!r}")
    con.execute(f"create view focus as select {', '.join(typed)} from cells")
    return failures + _column_failures(con, "focus", names) + _row_failures(con, "focus")


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return "e" not in text.lower()
