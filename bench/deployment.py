"""The deployment a benchmark bills in: every path meterline writes, under one folder."""

from __future__ import annotations

import os
from pathlib import Path


def use_deployment(workdir: Path) -> None:
    """Point this process (and the dbt it starts) at a deployment under `workdir`: its landing
    folder, warehouse, exports, published copy and Dagster instance, none of them the project's."""
    os.environ.update(
        MET_LANDING_DIR=str(workdir / "landing"),
        MET_DUCKDB_PATH=str(workdir / "meterline.duckdb"),
        MET_EXPORTS_DIR=str(workdir / "exports"),
        MET_PUBLISHED_DIR=str(workdir / "published"),
        DAGSTER_HOME=str(workdir / "dagster_home"),
    )
