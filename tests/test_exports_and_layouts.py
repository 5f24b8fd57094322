"""Pure helpers: layout resolution (exports are tested in test_close_exports.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
