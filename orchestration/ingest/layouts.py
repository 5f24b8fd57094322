"""Declared landing layouts: which folder holds which format and how to read it.

Each layout names its raw table, how DuckDB reads the file (all columns as text) and the
columns a file must carry. Layouts that vary per vendor or site come from the seeds, so a
billing-policy change and the parser that honours it live in one reviewed commit.
"""

from __future__ import annotations

import csv
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingest.read_rules import ReadRule, load_read_rules
from orchestration.ingest.vendor_layouts import (
    FOCUS_1_3_COLUMNS,
    RAW_TABLE_DESCRIPTIONS,
    VENDOR_EXPORT_FORMATS,
    recognise_focus,
)

FOCUS_COLUMNS = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    *FOCUS_1_3_COLUMNS,
)
FOCUS_REQUIRED = (
    "BilledCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "PricingQuantity",
    "PricingUnit",
    "ResourceId",
    "SkuId",
)
SLURM_COLUMNS = (
    "JobID",
    "JobIDRaw",
    "Cluster",
    "Account",
    "User",
    "Partition",
    "State",
    "Submit",
    "Start",
    "End",
    "Elapsed",
    "ElapsedRaw",
    "AllocTRES",
    "NodeList",
    # Older Slurm, or sites that never ask sacct for AllocTRES: resources field by field.
    "NCPUS",
    "AllocCPUS",
    "AllocNodes",
    "NNodes",
    "ReqMem",
    "AllocMem",
    "AllocGRES",
    "WCKey",
    "_trailing_field",
)
# Fields naming the customer subject a cluster may declare (seed slurm_declared_layouts).
SLURM_SUBJECT_FIELDS = ("Account", "User", "Partition", "WCKey")
# A required entry `A|B` is met by either field: Elapsed stands in for ElapsedRaw, and cores
# come from AllocTRES or, on clusters that do not export it, from NCPUS/AllocCPUS.
SLURM_ELAPSED = "ElapsedRaw|Elapsed"
SLURM_RESOURCES = "AllocTRES|NCPUS|AllocCPUS"
SLURM_REQUIRED = ("JobID", "Account", "State", "Start", SLURM_ELAPSED, SLURM_RESOURCES)
# A trailing delimiter (`sacct --parsable`) makes one empty field after the declared ones.
TRAILING_FIELD = "_trailing_field"
OPENCOST_COLUMNS = (
    "Date",
    "Namespace",
    "ControllerKind",
    "ControllerName",
    "Pod",
    "Container",
    "CPUCoreUsageAverage",
    "CPUCoreRequestAverage",
    "RAMBytesUsageAverage",
    "RAMBytesRequestAverage",
    "NetworkReceiveBytes",
    "NetworkTransferBytes",
    "GPUs",
    "PVBytes",
    "CPUCost",
    "RAMCost",
    "NetworkCost",
    "PVCost",
    "GPUCost",
    "TotalCost",
)
OPENCOST_REQUIRED = (
    "Date",
    "Namespace",
    "Pod",
    "Container",
    "CPUCoreUsageAverage",
    "CPUCoreRequestAverage",
    "RAMBytesUsageAverage",
    "RAMBytesRequestAverage",
)
# The OpenCost `/allocation` API response: one raw row per allocation of each step (verbatim JSON).
OPENCOST_RECORD_COLUMNS = ("step_index", "allocation_key", "record")
ENERGY_FORMATS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    # reading_format: (delimiter, columns, has_header)
    "cumulative_kwh": (";", ("MeterId", "Timestamp", "CounterKWh"), True),
    "interval_wh": (",", ("meter", "interval_start_utc", "interval_minutes", "energy_wh"), True),
    "tenth_kwh_counter": (",", ("DeviceSerial", "ReadingTime", "Register"), True),
    "ptd_power_log": (",", tuple(f"column{i:02d}" for i in range(12)), False),
}
REFERENCE_COLUMNS = {
    "customers": (
        "customer_id",
        "customer_name",
        "country_code",
        "currency_code",
        "price_list_id",
        "language_code",
    ),
    "assignments": (
        "assignment_id",
        "subject_type",
        "subject_id",
        "customer_id",
        "effective_from",
        "effective_to",
    ),
    "machines": ("machine_id", "site_id", "meter_id", "billing_mode", "rated_power_w"),
    "exception_resolutions": ("exception_id", "action", "resolved_by", "resolved_at", "note"),
    "fx_rates": ("rate_date", "base_currency", "quote_currency", "rate", "source"),
}
# Reference columns a file may leave out (older files): staging reads them as empty.
OPTIONAL_REFERENCE_COLUMNS = {"machines": ("rated_power_w",)}
# Reference tables that may arrive as several files (`<table>*.csv`), e.g. one per month.
MULTI_FILE_REFERENCE = ("exception_resolutions", "fx_rates")


@dataclass(frozen=True)
class Layout:
    """How one landing file is read and where its rows go."""

    source_kind: str
    raw_table: str
    delimiter: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    has_header: bool = True
    as_json_record: bool = False
    extra_columns_allowed: bool = True
    # Vendor exports: names the header's variant (e.g. FOCUS version, CUR legacy/2.0) or raises.
    recognise: Callable[[Sequence[str]], str] | None = None
    # Vendor exports whose header spellings vary (e.g. `usage.amount` / `usage_amount`).
    rename: Callable[[str], str] | None = None
    # A JSON API response (`{"code":200,"data":[{"<name>":{...}}]}`), unnested set-based.
    json_allocation_api: bool = False
    # Headerless files whose fields are declared by name (e.g. a cluster's sacct --format list).
    names: tuple[str, ...] = ()
    # sacct dumps: a row may stop before its last fields (an optional trailing field such as
    # Partition), which are then empty; `#` comment lines and blank lines are not rows.
    ragged_rows: bool = False


@dataclass(frozen=True)
class SlurmLayout:
    """A cluster's declared sacct layout (seed `slurm_declared_layouts`)."""

    has_header: bool
    delimiter: str
    fields: tuple[str, ...]
    subject_field: str

    def layout(self) -> Layout:
        required = ("JobID", self.subject_field, "State", "Start", SLURM_ELAPSED, SLURM_RESOURCES)
        if self.has_header:
            return Layout("slurm", "slurm_jobs", self.delimiter, SLURM_COLUMNS, required, ragged_rows=True)
        return Layout(
            "slurm",
            "slurm_jobs",
            self.delimiter,
            self.fields,
            required,
            has_header=False,
            names=self.fields,
            ragged_rows=True,
        )


DEFAULT_SLURM_LAYOUT = SlurmLayout(has_header=True, delimiter="|", fields=(), subject_field="Account")


@dataclass(frozen=True)
class Declarations:
    """The seeds that declare vendors, clusters and sites, read once per ingest run."""

    focus_vendors: frozenset[str]
    colo_layouts: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    energy_sites: dict[str, str] = field(default_factory=dict)
    export_vendors: dict[str, str] = field(default_factory=dict)
    slurm_layouts: dict[str, SlurmLayout] = field(default_factory=dict)
    # (cluster_id, file name glob, layout): one cluster's dumps written in more than one layout.
    slurm_file_layouts: tuple[tuple[str, str, SlurmLayout], ...] = ()
    # landing folder -> its declared encoding and ragged-row rule
    read_rules: dict[str, ReadRule] = field(default_factory=dict)

    @classmethod
    def from_seeds(cls, seeds_dir: Path) -> Declarations:
        def rows(relative: str) -> list[dict[str, str]]:
            with (seeds_dir / relative).open(newline="", encoding="utf-8") as handle:
                return list(csv.DictReader(handle))

        colo_columns: dict[str, list[str]] = {}
        for row in rows("sources/colo_layout_columns.csv"):
            colo_columns.setdefault(row["vendor_id"], []).append(row["source_column"])
        return cls(
            focus_vendors=frozenset(
                row["vendor_id"]
                for row in rows("rating/vendor_rate_cards.csv")
                if row["vendor_id"] not in colo_columns
            ),
            colo_layouts={
                row["vendor_id"]: (row["delimiter"], tuple(colo_columns[row["vendor_id"]]))
                for row in rows("sources/colo_vendor_layouts.csv")
            },
            clusters={row["cluster_id"]: row["scheduler"] for row in rows("sources/scheduler_clusters.csv")},
            energy_sites={row["site_id"]: row["reading_format"] for row in rows("sources/energy_sites.csv")},
            export_vendors={
                f"{row['export_format']}/{row['vendor_id']}": row["export_format"]
                for row in rows("sources/vendor_billing_exports.csv")
            },
            slurm_layouts={
                row["cluster_id"]: _slurm_layout(row)
                for row in rows("sources/slurm_declared_layouts.csv")
                if not row.get("file_glob")
            },
            slurm_file_layouts=tuple(
                (row["cluster_id"], row["file_glob"], _slurm_layout(row))
                for row in rows("sources/slurm_declared_layouts.csv")
                if row.get("file_glob")
            ),
            read_rules=load_read_rules(seeds_dir),
        )

    def slurm_layout(self, cluster_id: str, file_name: str) -> SlurmLayout:
        """The first declared row whose file glob matches the dump, else the cluster's own row."""
        for cluster, glob, layout in self.slurm_file_layouts:
            if cluster == cluster_id and fnmatch.fnmatchcase(file_name, glob):
                return layout
        return self.slurm_layouts.get(cluster_id, DEFAULT_SLURM_LAYOUT)


def _slurm_layout(row: dict[str, str]) -> SlurmLayout:
    return SlurmLayout(
        has_header=row["has_header"].strip().lower() == "true",
        delimiter=row["delimiter"],
        fields=tuple(name.strip() for name in row["field_list"].split(",") if name.strip()),
        subject_field=row["subject_field"] or "Account",
    )


class UnknownLayoutError(ValueError):
    """The file's folder declares no known layout."""


def layout_for(relative_path: Path, declarations: Declarations) -> tuple[Layout, str]:
    """Return the layout and source id (vendor, cluster, site) for a landing-relative path."""
    parts = relative_path.parts
    kind = "/".join(parts[:2])
    if kind == "reference" or parts[0] == "reference":
        table = relative_path.stem
        table = next((t for t in MULTI_FILE_REFERENCE if table.startswith(t)), table)
        if len(parts) != 2 or table not in REFERENCE_COLUMNS:
            raise UnknownLayoutError(f"{relative_path}: unknown reference file")
        columns = REFERENCE_COLUMNS[table]
        optional = OPTIONAL_REFERENCE_COLUMNS.get(table, ())
        required = tuple(c for c in columns if c not in optional)
        return Layout(f"reference_{table}", table, ",", columns, required), "reference"
    if parts[0] == "energy" and len(parts) == 3 and parts[1] in declarations.energy_sites:
        reading_format = declarations.energy_sites[parts[1]]
        delimiter, columns, has_header = ENERGY_FORMATS[reading_format]
        layout = Layout(
            f"energy_{reading_format}",
            f"energy_{reading_format}",
            delimiter,
            columns,
            columns,
            has_header=has_header,
            extra_columns_allowed=False,
        )
        return layout, parts[1]
    if len(parts) != 4:
        raise UnknownLayoutError(f"{relative_path}: not in a declared <kind>/<format>/<source_id>/ folder")
    source_id = parts[2]
    if kind == "vendor_billing/focus" and source_id in declarations.focus_vendors:
        layout = Layout(
            "focus", "focus_charges", ",", FOCUS_COLUMNS, FOCUS_REQUIRED, recognise=recognise_focus
        )
        return layout, source_id
    if parts[0] == "vendor_billing" and f"{parts[1]}/{source_id}" in declarations.export_vendors:
        raw_table, columns, recognise, rename = VENDOR_EXPORT_FORMATS[parts[1]]
        layout = Layout(parts[1], raw_table, ",", columns, (), recognise=recognise, rename=rename)
        return layout, source_id
    if kind == "vendor_billing/colo" and source_id in declarations.colo_layouts:
        delimiter, columns = declarations.colo_layouts[source_id]
        layout = Layout(
            "colo",
            "colo_invoice_lines",
            delimiter,
            columns,
            columns,
            as_json_record=True,
            extra_columns_allowed=False,
        )
        return layout, source_id
    if kind == "scheduler/slurm" and declarations.clusters.get(source_id) == "slurm":
        return declarations.slurm_layout(source_id, relative_path.name).layout(), source_id
    if kind == "scheduler/opencost" and declarations.clusters.get(source_id) == "opencost":
        if relative_path.suffix.lower() == ".json":
            columns = OPENCOST_RECORD_COLUMNS
            layout = Layout(
                "opencost", "opencost_allocation_records", "", columns, columns, json_allocation_api=True
            )
            return layout, source_id
        layout = Layout("opencost", "opencost_allocations", ",", OPENCOST_COLUMNS, OPENCOST_REQUIRED)
        return layout, source_id
    raise UnknownLayoutError(f"{relative_path}: no layout is declared for '{kind}/{source_id}'")


# The layout variant a vendor export's header was recognised as (e.g. focus_1.2, aws_cur_legacy).
LAYOUT_COLUMN = "_layout"

RAW_TABLES: dict[str, str] = {
    "focus_charges": "FOCUS cost and usage rows from cloud vendors, verbatim.",
    "colo_invoice_lines": "Colocation invoice lines, each row a JSON record in its vendor's layout.",
    "slurm_jobs": "Slurm sacct job and step records, verbatim.",
    "opencost_allocations": "OpenCost allocation rows per container and day, verbatim.",
    "opencost_allocation_records": "OpenCost /allocation API records, one per allocation and step.",
    "energy_cumulative_kwh": "Cumulative kWh counter readings.",
    "energy_interval_wh": "Interval energy readings in Wh.",
    "energy_tenth_kwh_counter": "Energy registers counting tenths of kWh.",
    "energy_ptd_power_log": "Instantaneous power samples (SPEC PTDaemon log lines).",
    "customers": "Customer reference data.",
    "assignments": "Effective-dated subject -> customer assignments.",
    "machines": "Machines, their sites and meters.",
    "exception_resolutions": "Decisions on billing exceptions (who, when, action, note), verbatim.",
    "fx_rates": "Daily FX rates (date, base and quote currency, rate, source), verbatim.",
    **RAW_TABLE_DESCRIPTIONS,
    "file_registry": "Every distinct landing file ever seen, its version and load outcome.",
}


def declared_columns(table: str) -> tuple[str, ...]:
    """Columns a raw table always has, before any extra source column is added."""
    by_table: dict[str, tuple[str, ...]] = {
        "focus_charges": (*FOCUS_COLUMNS, LAYOUT_COLUMN),
        "colo_invoice_lines": ("record",),
        "slurm_jobs": SLURM_COLUMNS,
        "opencost_allocations": OPENCOST_COLUMNS,
        "opencost_allocation_records": OPENCOST_RECORD_COLUMNS,
        **{f"energy_{name}": spec[1] for name, spec in ENERGY_FORMATS.items()},
        **REFERENCE_COLUMNS,
        **{spec[0]: (*spec[1], LAYOUT_COLUMN) for spec in VENDOR_EXPORT_FORMATS.values()},
    }
    return by_table[table]
