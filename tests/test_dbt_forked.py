"""A job's dbt commands run in a fork of the job's process (orchestration/wiring/dbt_forked.py):
the project's real manifest and dbt, on a DuckDB warehouse of the test's own."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import AssetCheckEvaluation, AssetKey, AssetMaterialization, Failure

from orchestration.wiring.dbt_assets import MeterlineTranslator
from orchestration.wiring.dbt_forked import ForkedDbtInvocation, invoke_forked
from orchestration.wiring.dbt_project import WITHOUT_ARTIFACTS, meterline_dbt_project
from orchestration.wiring.dbt_warehouse import dbt_run_parameters
from orchestration.wiring.settings import PROJECT_DIR

# A model whose SQL needs the run's period when dbt compiles it (macros/time/billing_period.sql).
NEEDS_PERIOD = ["compile", "--select", "fct_billing_exceptions", *WITHOUT_ARTIFACTS]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(json.loads(meterline_dbt_project.manifest_path.read_text()))


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "meterline.duckdb"
    monkeypatch.setenv("MET_DUCKDB_PATH", str(path))
    monkeypatch.delenv("MET_BILLING_PERIOD", raising=False)
    monkeypatch.delenv("MET_AS_OF_DATE", raising=False)
    return path


def _dbt(manifest: dict[str, Any], *args: str, raise_on_error: bool = True) -> ForkedDbtInvocation:
    return invoke_forked(
        args,
        project_dir=PROJECT_DIR,
        profiles_dir=PROJECT_DIR,
        manifest=manifest,
        translator=MeterlineTranslator(),
        raise_on_error=raise_on_error,
    )


def test_a_seed_built_in_the_fork_becomes_its_materialization_and_check_results(
    manifest: dict[str, Any], warehouse: Path
) -> None:
    # cautious: only the tests of the seed alone (relationship tests read other seeds too)
    built = _dbt(
        manifest, "build", "--select", "currencies", "--indirect-selection", "cautious", *WITHOUT_ARTIFACTS
    )
    events = list(built.stream())

    assert built.is_successful() and built.get_error() is None
    # The command's folder keeps what dbt wrote, not the 3.5 MB copy of the parsed project.
    assert built.target_dir.is_dir() and not (built.target_dir / "partial_parse.msgpack").exists()
    materialized = [event.asset_key for event in events if isinstance(event, AssetMaterialization)]
    assert materialized == [AssetKey(["policy", "currencies"])]
    checks = [event for event in events if isinstance(event, AssetCheckEvaluation)]
    assert checks and all(check.passed for check in checks)
    assert {check.asset_key for check in checks} == {AssetKey(["policy", "currencies"])}
    # The fork is gone and took dbt's handle of the file with it: this process opens the file
    # with settings of its own, which DuckDB refuses while another handle is open in a process.
    assert multiprocessing.active_children() == []
    rows = (PROJECT_DIR / "seeds" / "rating" / "currencies.csv").read_text().strip().count("\n")
    with duckdb.connect(str(warehouse), config={"memory_limit": "1GB"}) as con:
        assert con.execute("select count(*) from policy.currencies").fetchone() == (rows,)


def test_the_run_parameters_are_those_set_when_the_command_was_created(
    manifest: dict[str, Any], warehouse: Path
) -> None:
    with dbt_run_parameters("2026-10"):
        with_period = _dbt(manifest, *NEEDS_PERIOD)
    without = _dbt(manifest, *NEEDS_PERIOD, raise_on_error=False)

    # Both start here, after the block: the first still compiles for 2026-10.
    assert with_period.wait().is_successful()
    assert not without.wait().is_successful()
    assert "MET_BILLING_PERIOD must be YYYY-MM, got ''" in str(without.get_error())


def test_a_failed_command_is_a_failure_that_quotes_dbt(manifest: dict[str, Any], warehouse: Path) -> None:
    with pytest.raises(Failure, match="MET_BILLING_PERIOD must be YYYY-MM") as failed:
        _dbt(manifest, *NEEDS_PERIOD).wait()
    assert str(failed.value.description).startswith("`dbt compile ")
    assert multiprocessing.active_children() == []


def test_a_step_that_stops_reading_stops_dbt(manifest: dict[str, Any], warehouse: Path) -> None:
    """A terminated run closes the step's event stream: dbt is interrupted, not left running."""
    stream = _dbt(manifest, "build", "--select", "resource_type:seed", *WITHOUT_ARTIFACTS).stream()
    assert isinstance(next(stream), AssetMaterialization)
    stream.close()

    assert multiprocessing.active_children() == []
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from information_schema.tables").fetchone() is not None
