"""A warehouse with the ledger schema and the export models the dbt build creates over it.

Export and approval tests write ledger rows directly; the exports read them through the real
dbt views (models/intermediate/exports), which one `dbt build` per test session creates on an
empty ledger. Each test copies that warehouse under the same file name, so the views' catalog
name (the file's stem) still resolves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.wiring.warehouse_setup import ensure_ledger
from tests.dbt_support import WAREHOUSE_NAME, dbt

# The close policy seeds, the ledger's staging views and the export models, with their tests.
EXPORT_SELECTION = ["path:seeds/close", "path:models/staging/ledger", "path:models/intermediate/exports"]


def build_export_models(folder: Path) -> Path:
    """An empty ledger with the export models built over it; returns the warehouse file."""
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / WAREHOUSE_NAME
    with duckdb.connect(str(warehouse)) as con:
        ensure_ledger(con)
    done = dbt(warehouse, folder, "build", "--indirect-selection", "cautious", "--select", *EXPORT_SELECTION)
    assert done.returncode == 0, done.stdout[-4000:]
    return warehouse


def copy_warehouse(template: Path, folder: Path) -> Path:
    """A copy of `template` in `folder`, under the same file name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / template.name
    shutil.copyfile(template, target)
    return target
