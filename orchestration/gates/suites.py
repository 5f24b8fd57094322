"""Run the Great Expectations suites in `expectations/` against the DuckDB warehouse.

Each suite file names the relation it guards and its expectations (GX expectation types
and kwargs). Validation runs inside DuckDB through SQLAlchemy (a query asset per relation),
never by copying tables into pandas. An expectation that raised is reported as an error:
a gate that could not be evaluated blocks just like one that failed.

The suites run in a child process (`GateProcess`): GX keeps a DuckDB connection open through
its global context, and DuckDB refuses the export's later connection to the same file while it
lives. The child's exit releases it. Importing GX takes about ten seconds, so the child imports
it as soon as it starts and then waits for its one request: a billing run starts it when the
run starts (orchestration/gates/checks.py), and the import overlaps the dbt build.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from orchestration.wiring.settings import PROJECT_DIR
from orchestration.wiring.warehouse_connect import memory_limit

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    kwargs: dict[str, object]
    success: bool
    unexpected_count: int | None
    sample: str
    error: str | None

    def describe(self) -> str:
        columns = ", ".join(f"{k}={v}" for k, v in sorted(self.kwargs.items()))
        if self.error:
            return f"{self.expectation}({columns}) could not be evaluated: {self.error}"
        return f"{self.expectation}({columns}): {self.unexpected_count} unexpected, e.g. {self.sample}"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    relation: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.outcomes) and all(outcome.success for outcome in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]


def suite_names() -> list[str]:
    return sorted(path.stem for path in EXPECTATIONS_DIR.glob("*.json"))


def load_suite(name: str) -> dict[str, Any]:
    """The suite's JSON: relation, period column and expectations."""
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def run_suite(duckdb_path: Path, name: str, billing_period: str) -> SuiteResult:
    """Validate one suite on one billing period (suites name their period column)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    spec = load_suite(name)
    relation = str(spec["relation"])
    query = f"select * from {relation}"
    if spec.get("period_column"):
        query += f" where {spec['period_column']} = '{billing_period}'"
    context = gx.get_context(mode="ephemeral")
    datasource = context.data_sources.add_sql(
        name="warehouse",
        connection_string=f"duckdb+gx:///{duckdb_path}",
        create_temp_table=False,
        # Passed through to SQLAlchemy's create_engine; GX's stub does not declare it.
        kwargs={  # type: ignore[call-arg]
            "connect_args": {"read_only": True, "config": {"memory_limit": memory_limit()}}
        },
    )
    batch = datasource.add_query_asset(name=name, query=query).add_batch_definition_whole_table(name)
    suite = gx.ExpectationSuite(name=name)
    for expectation in spec["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=expectation["type"], kwargs=expectation["kwargs"])
        )
    suite = context.suites.add(suite)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    result = validation.run(result_format="SUMMARY")
    outcomes = []
    for item in result.results:
        info = item.exception_info or {}
        errors = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
        if info.get("raised_exception"):
            errors.append(info.get("exception_message"))
        error = next((e for e in errors if e), None)
        details = item.result or {}
        config = item.expectation_config
        assert config is not None, "a suite's validation result carries its expectation"
        unexpected_count = details.get("unexpected_count")
        sample = details.get("partial_unexpected_list", details.get("observed_value"))
        if config.type == "unexpected_rows_expectation":
            # a query's unexpected rows: their count is its observed value; GX lists the rows
            # only in its COMPLETE format, so the sample says where to find them
            unexpected_count = details.get("observed_value")
            sample = "the rows its unexpected_rows_query returns for the period"
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                kwargs={k: v for k, v in config.kwargs.items() if k != "batch_id"},
                success=bool(item.success) and error is None,
                unexpected_count=unexpected_count,
                sample=str(sample)[:300],
                error=str(error).splitlines()[0] if error else None,
            )
        )
    return SuiteResult(suite=name, relation=relation, outcomes=outcomes)


class GateProcess:
    """A Python process that imports GX now and validates the suites of one request later."""

    def __init__(self, python: str = sys.executable) -> None:
        self._process = subprocess.Popen(
            [python, "-m", "orchestration.gates.suites"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def validate(self, duckdb_path: Path, billing_period: str, names: list[str]) -> list[SuiteResult]:
        """Validate `names` on the period; raises with the process's stderr if it failed."""
        request = {"duckdb_path": str(duckdb_path), "billing_period": billing_period, "names": names}
        stdout, stderr = self._process.communicate(json.dumps(request))
        if self._process.returncode != 0:
            raise RuntimeError(f"gate process failed ({self._process.returncode}): {stderr[-2000:]}")
        results = []
        for item in json.loads(stdout.splitlines()[-1]):
            outcomes = [ExpectationOutcome(**outcome) for outcome in item.pop("outcomes")]
            results.append(SuiteResult(**item, outcomes=outcomes))
        return results

    def close(self) -> None:
        """Stop the process if it never got its request (the run ended before its gates)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401  (the slow import, done before the request arrives)

    request = json.loads(sys.stdin.read())
    results = [
        asdict(run_suite(Path(request["duckdb_path"]), name, request["billing_period"]))
        for name in request["names"]
    ]
    print(json.dumps(results, default=str))
