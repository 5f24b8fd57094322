"""Dagster resources, configured from environment variables."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version as installed_version
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource
from dbt.adapters.base import BaseAdapter
from packaging.version import Version
from pydantic import Field, PrivateAttr

from orchestration.gates.suites import GateProcess, SuiteResult
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


class MeterlineDbtCli(DbtCliResource):
    """The dbt CLI of this environment, started without two costs dagster-dbt adds to every
    invocation and this project does not use."""

    @property
    def _cli_version(self) -> Version:
        """dagster-dbt asks the executable (`dbt --version`: a whole dbt start-up and a look-up
        of the latest release, about six seconds). The executable is this environment's own
        (`build_resources`), so its version is the installed dbt-core's."""
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> BaseAdapter | None:  # type: ignore[override]
        """dagster-dbt loads the profile and the adapter in this process (about three seconds)
        only to fetch row counts and column metadata after a model builds, which the assets do
        not ask for: the invocation works without it."""
        return None


class Gates(ConfigurableResource):
    """The run's gate process (orchestration/gates/suites.py), started when the run starts so
    that GX is imported while dbt builds, and stopped with the run if the gates never ran."""

    python: str = Field(default=sys.executable, description="The interpreter the gate process runs.")
    _process: GateProcess | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._process = GateProcess(self.python)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._process is not None:
            self._process.close()

    def run_suites(self, duckdb_path: Path, billing_period: str, names: list[str]) -> list[SuiteResult]:
        process, self._process = self._process or GateProcess(self.python), None
        return process.validate(duckdb_path, billing_period, names)


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": Warehouse.from_settings(settings),
        "gates": Gates(),
        "dbt": MeterlineDbtCli(
            project_dir=str(meterline_dbt_project.project_dir),
            profiles_dir=str(meterline_dbt_project.project_dir),
            # The dbt of this environment, whether or not its bin folder is on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }
