"""The warehouse file dbt writes, chosen when dbt connects rather than when it parses.

dbt keeps its parsed project (`target/partial_parse.msgpack`) only while the profile's
connection values and the command-line `--vars` stay the same; any change makes it parse all
366 files again, about ten seconds per invocation. So profiles.yml holds constants only, this
plugin points the connection at `MET_DUCKDB_PATH` with its memory limit and spill folder, and
each run's period reaches the models through `MET_BILLING_PERIOD` (`dbt_run_parameters`), read
by macros/time/billing_period.sql when a node runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from orchestration.wiring.warehouse_connect import memory_limit

DEFAULT_PATH = "warehouse/meterline.duckdb"


class Plugin(BasePlugin):
    """Points dbt-duckdb at this deployment's warehouse file before it connects."""

    def update_connection_config(self, creds: DuckDBCredentials, config: dict[str, Any]) -> None:
        path = os.environ.get("MET_DUCKDB_PATH", DEFAULT_PATH)
        # Relations are named after the file (database "meterline"), and the parsed project
        # holds those names: a file called otherwise would be a database no model refers to.
        if Path(path).stem != creds.database:
            raise DbtRuntimeError(
                f"MET_DUCKDB_PATH must name a file called {creds.database}.duckdb, got {path}"
            )
        creds.path = path
        # Set once, when the database opens: dbt-duckdb re-applies `settings` with SET on every
        # cursor, and DuckDB refuses to set temp_directory again once a query has spilled there,
        # so a month larger than memory failed at the first node after its first spill.
        config["memory_limit"] = memory_limit()
        config["temp_directory"] = f"{path}.tmp"


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# The environment variables that carry a run's parameters to the models.
RUN_PARAMETERS = ("MET_BILLING_PERIOD", "MET_AS_OF_DATE")


def current_run_parameters() -> dict[str, str | None]:
    """The run parameters set now (None: unset), for a dbt command that starts later."""
    return {name: os.environ.get(name) for name in RUN_PARAMETERS}


@contextmanager
def dbt_run_parameters(period: str, as_of: date | None = None) -> Iterator[None]:
    """The period (and the date receivables are evaluated on) for the dbt commands
    created inside the block; the environment is restored after, so nothing leaks into a later
    step."""
    values = dict(zip(RUN_PARAMETERS, (period, as_of.isoformat() if as_of else None), strict=True))
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield
    finally:
        for name, value in before.items():
            _set(name, value)
