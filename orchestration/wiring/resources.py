"""Dagster resources, configured from environment variables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from orchestration.gates.suites import GateProcess, SuiteResult
from orchestration.wiring.dbt_forked import ForkedDbtInvocation, invoke_forked
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


class MeterlineDbt(ConfigurableResource):
    """dbt, run in a fork of the job's process (orchestration/wiring/dbt_forked.py)."""

    project_dir: str
    profiles_dir: str

    def invoke(
        self,
        args: Sequence[str],
        *,
        context: AssetExecutionContext | None = None,
        manifest: Mapping[str, Any] | Path | None = None,
        raise_on_error: bool = True,
    ) -> ForkedDbtInvocation:
        """The dbt command `args`; for the dbt assets (context given), the assets the run selected."""
        blob = json.loads(Path(manifest).read_text()) if isinstance(manifest, Path) else manifest
        return invoke_forked(
            args,
            project_dir=Path(self.project_dir),
            profiles_dir=Path(self.profiles_dir),
            manifest=blob or {},
            context=context,
            raise_on_error=raise_on_error,
        )


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
        "dbt": MeterlineDbt(
            project_dir=str(meterline_dbt_project.project_dir),
            profiles_dir=str(meterline_dbt_project.project_dir),
        ),
    }
