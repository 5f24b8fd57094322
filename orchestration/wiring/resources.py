"""Dagster resources, configured from environment variables."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.wiring.dbt_project import meterline_dbt_project
from orchestration.wiring.settings import Settings
from orchestration.wiring.warehouse_connect import connect


class Warehouse(ConfigurableResource):
    """The embedded DuckDB warehouse and the folders around it."""

    duckdb_path: str
    landing_dir: str
    exports_dir: str
    published_dir: str
    seeds_dir: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(
            duckdb_path=str(settings.duckdb_path),
            landing_dir=str(settings.landing_dir),
            exports_dir=str(settings.exports_dir),
            published_dir=str(settings.published_dir),
            seeds_dir=str(settings.seeds_dir),
        )

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.duckdb_path).parent.mkdir(parents=True, exist_ok=True)
        # Waits (saying so) while an outside reader holds the file, rather than failing the step.
        con = connect(self.duckdb_path, read_only=read_only)
        try:
            con.execute("set timezone = 'UTC'")
            yield con
        finally:
            con.close()


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": Warehouse.from_settings(settings),
        "dbt": DbtCliResource(
            project_dir=meterline_dbt_project,
            profiles_dir=str(meterline_dbt_project.project_dir),
            # The dbt of this environment, whether or not its bin folder is on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }
