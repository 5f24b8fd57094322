"""Great Expectations suites as blocking asset checks on the marts that feed invoicing."""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.gates.suites import load_suite, run_suite, suite_names
from orchestration.resources import Warehouse


def gate_check_name(suite: str) -> str:
    return f"gx_{suite}"


def _build_gate(suite: str) -> AssetChecksDefinition:
    relation = str(load_suite(suite)["relation"])
    schema, table = relation.split(".")

    @asset_check(
        asset=AssetKey([schema, table]),
        name=gate_check_name(suite),
        blocking=True,
        description=str(load_suite(suite).get("description", "")),
    )
    def gate(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        period = context.run.tags.get("dagster/partition", "")
        result = run_suite(Path(warehouse.duckdb_path), suite, period)
        failures = [outcome.describe() for outcome in result.failures]
        for failure in failures:
            context.log.error(f"gate {suite} failed: {failure}")
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(result.outcomes),
                "failed_expectations": MetadataValue.json(failures),
                "billing_period": period,
            },
        )

    return gate


gate_checks = [_build_gate(suite) for suite in suite_names()]
