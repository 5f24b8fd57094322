"""Pure helpers: layout resolution and spreadsheet-safe export cells."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.exports import write_exports
from orchestration.ingest.layouts import Declarations, UnknownLayoutError, layout_for
from tests.conftest import SEEDS_DIR

DECLARATIONS = Declarations.from_seeds(SEEDS_DIR)


@pytest.mark.parametrize(
    ("path", "table", "source_id"),
    [
        ("vendor_billing/focus/nimbus_cloud/a.csv", "focus_charges", "nimbus_cloud"),
        ("vendor_billing/colo/fjord_colo/a.csv", "colo_invoice_lines", "fjord_colo"),
        ("scheduler/slurm/fjord-gpu/a.txt", "slurm_jobs", "fjord-gpu"),
        ("scheduler/opencost/nimbus-k8s/a.csv", "opencost_allocations", "nimbus-k8s"),
        ("energy/osl1/a.csv", "energy_cumulative_kwh", "osl1"),
        ("energy/cgk1/a.txt", "energy_ptd_power_log", "cgk1"),
        ("reference/customers.csv", "customers", "reference"),
    ],
)
def test_layout_for_declared_folders(path: str, table: str, source_id: str) -> None:
    layout, found = layout_for(Path(path), DECLARATIONS)
    assert (layout.raw_table, found) == (table, source_id)


@pytest.mark.parametrize(
    "path",
    [
        "scheduler/opencost/fjord-gpu/a.csv",  # a Slurm cluster is not an OpenCost source
        "energy/xyz1/a.csv",
        "reference/prices.csv",
        "vendor_billing/focus/fjord_colo/a.csv",  # a colo vendor has no FOCUS layout
        "loose.csv",
    ],
)
def test_undeclared_folders_are_unknown(path: str) -> None:
    with pytest.raises(UnknownLayoutError, match=path.split("/")[0]):
        layout_for(Path(path), DECLARATIONS)


def test_export_neutralises_formula_cells_and_keeps_amounts_numeric(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw")
    con.execute(
        """
        create table raw.file_registry as
        select 'a.csv' as source_file, 'abc' as file_sha256, true as is_current, 'loaded' as status
        """
    )
    con.execute(
        """
        create table marts.fct_invoices as select * from (values
            ('INV-1', '2026-10', 'C1', '=HYPERLINK("http://x")', 'FR', 'EUR', 1,
             -12.50::decimal(18,2), 0.00::decimal(18,2), -12.50::decimal(18,2)),
            ('INV-2', '2026-10', 'C2', '@SUM(A1)', 'NO', 'NOK', 1,
             10.00::decimal(18,2), 2.50::decimal(18,2), 12.50::decimal(18,2))
        ) as t(invoice_id, billing_period, customer_id, customer_name, country_code, currency_code,
               line_count, net_amount, tax_amount, gross_amount)
        """
    )
    con.execute(
        """
        create table marts.fct_invoice_lines as select 'INV-1' as invoice_id, 'L1' as invoice_line_id,
            '2026-10' as billing_period, 'C1' as customer_id, '+cmd' as sku_id, 'p' as price_list_id,
            1 as price_list_version, 'kwh' as pricing_unit, 1.5::decimal(38,6) as quantity,
            0.1::decimal(18,6) as unit_price, 'EUR' as currency_code, 0.15::decimal(18,2) as net_amount,
            0.2::decimal(6,4) as tax_rate, 0.03::decimal(18,2) as tax_amount,
            0.18::decimal(18,2) as gross_amount
        """
    )
    manifest = write_exports(con, "2026-10", tmp_path, ["gx_demo"])
    invoices = (tmp_path / "2026-10" / "invoices.csv").read_text()
    assert "'=HYPERLINK" in invoices and "'@SUM(A1)" in invoices
    assert ",-12.50," in invoices  # a negative amount stays a number, not text
    assert "'+cmd" in (tmp_path / "2026-10" / "invoice_lines.csv").read_text()
    assert {f["file"] for f in manifest["files"]} == {
        "invoices.csv",
        "invoices.parquet",
        "invoice_lines.csv",
        "invoice_lines.parquet",
    }
    again = write_exports(con, "2026-10", tmp_path, ["gx_demo"])
    assert again == manifest
