"""Cloud vendor billing exports: which layout a file is in, recognised from its header.

One folder per format (`vendor_billing/<format>/<vendor_id>/`), the vendor declared in
seeds/sources/vendor_billing_exports.csv (FOCUS vendors: any vendor with a rate card). Within
a format the variant is recognised from the header: the FOCUS version from the columns each
version added, AWS CUR legacy (`lineItem/UsageAmount`) or CUR 2.0 (`line_item_usage_amount`),
Azure cost details (EA, MCA, camelCase in any mix of case, or the legacy cost report with
`UsageDateTime`/`PreTaxCost`/`Currency`), Google Cloud's flattened export with `.` or `_`
separators, Oracle Cloud (OCI) cost reports (`lineItem/referenceNo`, `cost/myCost`, one
`tags/<key>` column per tag key).
Raw tables keep the file's own header names (DuckDB column names are case-insensitive, so
Azure EA `Cost` and MCA `cost` meet in one column); the variant travels in `_layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# Columns each FOCUS version added (1.0 is the base set in layouts.FOCUS_COLUMNS).
FOCUS_VERSION_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "focus_1.3",
        (
            "ServiceProviderName",
            "HostProviderName",
            "ContractApplied",
            "AllocatedMethodId",
            "AllocatedResourceId",
        ),
    ),
    (
        "focus_1.2",
        (
            "InvoiceId",
            "BillingAccountType",
            "SubAccountType",
            "PricingCurrency",
            "PricingCurrencyEffectiveCost",
        ),
    ),
    (
        "focus_1.1",
        (
            "CapacityReservationId",
            "CapacityReservationStatus",
            "CommitmentDiscountQuantity",
            "CommitmentDiscountUnit",
            "ServiceSubcategory",
            "SkuMeter",
            "SkuPriceDetails",
        ),
    ),
)
FOCUS_1_3_COLUMNS = (
    "ServiceProviderName",
    "HostProviderName",
    "ContractApplied",
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
)

AWS_CUR_LEGACY_COLUMNS = (
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/InvoiceId",
    "bill/BillingEntity",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/NetUnblendedCost",
    "lineItem/LineItemDescription",
    "lineItem/TaxType",
    "product/ProductName",
    "product/regionCode",
    "product/region",
    "product/sku",
    "pricing/unit",
    "pricing/publicOnDemandRate",
    "pricing/publicOnDemandCost",
    "reservation/EffectiveCost",
    "reservation/ReservationARN",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/SavingsPlanARN",
)
AWS_CUR_LEGACY_REQUIRED = (
    "identity/LineItemId",
    "identity/TimeInterval",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
)
AWS_CUR2_COLUMNS = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_invoice_id",
    "bill_billing_entity",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_resource_id",
    "line_item_usage_amount",
    "line_item_currency_code",
    "line_item_unblended_rate",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "line_item_line_item_description",
    "line_item_tax_type",
    "product_product_name",
    "product_region_code",
    "product_sku",
    "pricing_unit",
    "pricing_public_on_demand_rate",
    "pricing_public_on_demand_cost",
    "reservation_effective_cost",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_savings_plan_a_r_n",
    "resource_tags",
)
AWS_CUR2_REQUIRED = (
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_usage_amount",
    "line_item_currency_code",
    "line_item_unblended_cost",
)

AZURE_LEGACY_ONLY_COLUMNS = (
    "UsageDateTime",
    "UsageQuantity",
    "PreTaxCost",
    "Currency",
    "ResourceRate",
    "SubscriptionGuid",
    "InstanceId",
    "ConsumedService",
)

# Azure cost details: EA and MCA share most names (case differs); MCA bills in
# CostInBillingCurrency, EA (classic) in Cost. Either cost column satisfies the layout.
AZURE_COLUMNS = (
    "InvoiceId",
    "BillingAccountId",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "BillingProfileId",
    "AccountOwnerId",
    "SubscriptionId",
    "SubscriptionName",
    "Date",
    "ProductId",
    "ProductName",
    "Product",
    "PartNumber",
    "MeterId",
    "MeterCategory",
    "MeterSubCategory",
    "MeterName",
    "MeterRegion",
    "Quantity",
    "EffectivePrice",
    "Cost",
    "CostInBillingCurrency",
    "UnitPrice",
    "PayGPrice",
    "BillingCurrency",
    "BillingCurrencyCode",
    "ResourceLocation",
    "ResourceId",
    "ResourceName",
    "Tags",
    "UnitOfMeasure",
    "ChargeType",
    "Frequency",
    "PricingModel",
    "ReservationId",
    "BenefitId",
    # The legacy cost report (usage details before cost details) names the same facts otherwise.
    *AZURE_LEGACY_ONLY_COLUMNS,
)
AZURE_REQUIRED = ("Date", "Quantity", "UnitOfMeasure", "ChargeType")
AZURE_COST_COLUMNS = ("CostInBillingCurrency", "Cost")
AZURE_CURRENCY_COLUMNS = ("BillingCurrency", "BillingCurrencyCode")
AZURE_LEGACY_REQUIRED = ("UsageDateTime", "UsageQuantity", "UnitOfMeasure", "PreTaxCost", "Currency")

# Google Cloud billing export (BigQuery schema) flattened to one column per leaf field.
# Headers may use `.` or `_` between record and field; both normalise to `_` at ingest.
GCP_COLUMNS = (
    "billing_account_id",
    "invoice_month",
    "service_id",
    "service_description",
    "sku_id",
    "sku_description",
    "usage_start_time",
    "usage_end_time",
    "project_id",
    "project_name",
    "location_region",
    "location_location",
    "resource_name",
    "resource_global_name",
    "labels",
    "cost",
    "currency",
    "cost_type",
    "usage_amount",
    "usage_unit",
    "usage_amount_in_pricing_units",
    "usage_pricing_unit",
    "price_effective_price",
    "credits",
    "export_time",
)
GCP_REQUIRED = (
    "billing_account_id",
    "sku_id",
    "usage_start_time",
    "usage_end_time",
    "cost",
    "currency",
    "usage_amount",
    "usage_unit",
    "credits",
)

# Oracle Cloud Infrastructure cost reports (the OCI format, not OCI's FOCUS report), as
# Oracle's "Cost and Usage Reports" schema lists them. Oracle's own table spells a few names
# otherwise than its files do (`lineItem/TenantId`, `product/description`), so names are
# compared without case. Each tag key is a column of its own, `tags/<namespace>.<key>` or
# `tags/<key>`, which the raw table gains as the files bring them.
OCI_COLUMNS = (
    "lineItem/referenceNo",
    "lineItem/tenantId",
    "lineItem/intervalUsageStart",
    "lineItem/intervalUsageEnd",
    "product/service",
    "product/resource",
    "product/compartmentId",
    "product/compartmentName",
    "product/region",
    "product/availabilityDomain",
    "product/resourceId",
    "usage/billedQuantity",
    "usage/billedQuantityOverage",
    "cost/subscriptionId",
    "cost/productSku",
    "product/Description",
    "cost/unitPrice",
    "cost/unitPriceOverage",
    "cost/myCost",
    "cost/myCostOverage",
    "cost/currencyCode",
    "cost/billingUnitReadable",
    "cost/skuUnitDescription",
    "cost/overageFlag",
    "lineItem/isCorrection",
    "lineItem/backreferenceNo",
)
OCI_REQUIRED = (
    "lineItem/referenceNo",
    "lineItem/intervalUsageStart",
    "lineItem/intervalUsageEnd",
    "usage/billedQuantity",
    "cost/productSku",
    "cost/myCost",
    "cost/currencyCode",
)


class HeaderError(ValueError):
    """The header does not match any variant of the declared format."""


def missing_message(missing: Sequence[str]) -> str:
    """Every missing column named at once, so one corrected export fixes them all
    (`A|B`, a requirement either column meets, reads `one of 'A', 'B'`)."""
    named = [
        "one of " + ", ".join(f"'{name}'" for name in column.split("|")) if "|" in column else f"'{column}'"
        for column in missing
    ]
    return ("missing column " if len(missing) == 1 else "missing columns ") + ", ".join(named)


def _missing(header: Sequence[str], required: Sequence[str], *, fold_case: bool = False) -> list[str]:
    present = {h.lower() for h in header} if fold_case else set(header)
    return [c for c in required if (c.lower() if fold_case else c) not in present]


def recognise_focus(header: Sequence[str]) -> str:
    """The FOCUS version whose added columns appear in the header (1.0 when none do)."""
    present = set(header)
    for version, markers in FOCUS_VERSION_MARKERS:
        if present.intersection(markers):
            return version
    return "focus_1.0"


def recognise_aws_cur(header: Sequence[str]) -> str:
    """Legacy CUR (slash names) or CUR 2.0 (snake_case names); name the first missing column."""
    if any("/" in column for column in header):
        missing = _missing(header, AWS_CUR_LEGACY_REQUIRED)
        variant = "aws_cur_legacy"
    else:
        missing = _missing(header, AWS_CUR2_REQUIRED)
        variant = "aws_cur_2"
    if missing:
        raise HeaderError(f"{missing_message(missing)} ({variant} layout)")
    return variant


def recognise_azure(header: Sequence[str]) -> str:
    """EA (has AccountOwnerId or a plain Cost column), MCA cost details, or the legacy cost
    report (UsageDateTime and PreTaxCost). Names are compared without case: Azure writes
    PascalCase, camelCase and, in some tools' re-exports, lower case."""
    lowered = {h.lower() for h in header}
    if "usagedatetime" in lowered or "pretaxcost" in lowered:
        missing = _missing(header, AZURE_LEGACY_REQUIRED, fold_case=True)
        if missing:
            raise HeaderError(f"{missing_message(missing)} (azure legacy cost report layout)")
        return "azure_legacy"
    missing = _missing(header, AZURE_REQUIRED, fold_case=True)
    if len(_missing(header, AZURE_COST_COLUMNS, fold_case=True)) == len(AZURE_COST_COLUMNS):
        missing.append("CostInBillingCurrency")
    if len(_missing(header, AZURE_CURRENCY_COLUMNS, fold_case=True)) == len(AZURE_CURRENCY_COLUMNS):
        missing.append("BillingCurrency")
    if missing:
        raise HeaderError(f"{missing_message(missing)} (azure cost details layout)")
    return "azure_ea" if "accountownerid" in lowered or "cost" in lowered else "azure_mca"


def gcp_column_name(header_name: str) -> str:
    """`usage.amount_in_pricing_units` and `usage_amount_in_pricing_units` are one column."""
    return header_name.replace(".", "_").lower()


def recognise_gcp(header: Sequence[str]) -> str:
    missing = _missing([gcp_column_name(h) for h in header], GCP_REQUIRED)
    if missing:
        raise HeaderError(f"{missing_message(missing)} (gcp billing export layout)")
    return "gcp_billing_export"


def recognise_oci(header: Sequence[str]) -> str:
    """An OCI cost report; a usage report (no cost columns) or a FOCUS report names what it lacks."""
    missing = _missing(header, OCI_REQUIRED, fold_case=True)
    if missing:
        raise HeaderError(f"{missing_message(missing)} (oci cost report layout)")
    return "oci_cost_report"


Recogniser = Callable[[Sequence[str]], str]

# format folder -> (raw table, known columns, recogniser, header renamer or None)
VENDOR_EXPORT_FORMATS: dict[str, tuple[str, tuple[str, ...], Recogniser, Callable[[str], str] | None]] = {
    "aws_cur": ("aws_cur_line_items", (*AWS_CUR_LEGACY_COLUMNS, *AWS_CUR2_COLUMNS), recognise_aws_cur, None),
    "azure": ("azure_cost_details", AZURE_COLUMNS, recognise_azure, None),
    "gcp": ("gcp_billing_lines", GCP_COLUMNS, recognise_gcp, gcp_column_name),
    "oci": ("oci_cost_lines", OCI_COLUMNS, recognise_oci, None),
}

RAW_TABLE_DESCRIPTIONS = {
    "aws_cur_line_items": "AWS Cost and Usage Report line items (legacy or CUR 2.0 names), verbatim.",
    "azure_cost_details": "Azure cost details rows (EA, MCA or legacy; actual or amortised view), verbatim.",
    "gcp_billing_lines": "Google Cloud billing export rows flattened to columns (credits as JSON), verbatim.",
    "oci_cost_lines": "Oracle Cloud (OCI) cost report rows, one column per tag key (`tags/<key>`), verbatim.",
}
