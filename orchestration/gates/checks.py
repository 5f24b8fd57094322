"""Great Expectations suites as blocking asset checks on the marts that feed invoicing."""

from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.gates.suites import load_suite, suite_names
from orchestration.wiring.resources import Gates, Warehouse


def gate_check_name(suite: str) -> str:
    return f"gx_{suite}"


def _gated_asset(suite: str) -> AssetKey:
    return AssetKey(str(load_suite(suite)["relation"]).split("."))


GATE_SPECS = [
    AssetCheckSpec(
        name=gate_check_name(suite),
        asset=_gated_asset(suite),
        blocking=True,
        description=str(load_suite(suite).get("description", "")),
    )
    for suite in suite_names()
]


@multi_asset_check(specs=GATE_SPECS, name="gx_gates")
def gx_gates(
    context: AssetCheckExecutionContext, warehouse: Warehouse, gates: Gates
) -> Iterator[AssetCheckResult]:
    """Validate every suite for the run's billing period; a failure blocks the export."""
    period = context.run.tags.get("dagster/partition", "")
    for result in gates.run_suites(Path(warehouse.duckdb_path), period, suite_names()):
        failures = [outcome.describe() for outcome in result.failures]
        for failure in failures:
            context.log.error(f"gate {result.suite} failed: {failure}")
        yield AssetCheckResult(
            asset_key=_gated_asset(result.suite),
            check_name=gate_check_name(result.suite),
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(result.outcomes),
                "failed_expectations": MetadataValue.json(failures),
                "billing_period": period,
            },
        )
