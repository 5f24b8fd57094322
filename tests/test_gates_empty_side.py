"""The gates accept a month with vendor bills and no customer usage (a legitimately empty
side); a rejected file of the month is a blocking exception for the close, not a failed gate.
Real ingest, real dbt models, the real Great Expectations suites the run's gates execute."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.gates.suites import GateProcess, SuiteResult, suite_names
from tests.adapter_support import drop, ingest, query
from tests.conftest import REAL_FIXTURES
from tests.dbt_support import WAREHOUSE_NAME, dbt

PERIOD = "2023-09"
GATED = [
    "+fct_invoice_lines", "+fct_invoices", "+rpt_billing_control_totals", "+rpt_row_conservation",
    "+rpt_period_completeness",
]  # fmt: skip


def _dbt(warehouse: Path, work: Path, *args: str) -> None:
    done = dbt(warehouse, work, *args, period=PERIOD)
    assert done.returncode == 0, done.stdout[-4000:]


def _gates(warehouse: Path) -> dict[str, SuiteResult]:
    return {result.suite: result for result in GateProcess().validate(warehouse, PERIOD, suite_names())}


@pytest.fixture(scope="module")
def vendor_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A month of one real Azure EA bill, no scheduler, Kubernetes or energy file at all."""
    work = tmp_path_factory.mktemp("empty_side")
    landing, warehouse = work / "landing", work / WAREHOUSE_NAME
    drop(
        landing,
        "vendor_billing/azure/cobalt_azure/ea_2023-09.csv",
        source=REAL_FIXTURES / "azure" / "azure_ea_actual_cost_small.csv",
    )
    assert not ingest(landing, warehouse).rejected
    _dbt(warehouse, work, "seed", "--quiet")
    _dbt(warehouse, work, "run", "--quiet", "-s", *GATED)
    return work, landing, warehouse


def test_a_month_with_bills_and_no_usage_passes_every_gate(vendor_only: tuple[Path, Path, Path]) -> None:
    _, _, warehouse = vendor_only
    rows = query(
        warehouse,
        "select landing_side, canonical_rows, rejected_files, is_empty, is_complete "
        f"from marts.rpt_period_completeness where billing_period = '{PERIOD}'",
    )
    sides = {side: tuple(values) for side, *values in rows}
    assert sides["usage"] == (0, 0, True, True)
    canonical, rejected, empty, complete = sides["vendor_billing"]
    assert canonical > 0 and (rejected, empty, complete) == (0, False, True)
    invoice_lines = f"select count(*) from marts.fct_invoice_lines where billing_period = '{PERIOD}'"
    assert query(warehouse, invoice_lines) == [(0,)]
    gates = _gates(warehouse)
    assert {name: result.success for name, result in gates.items()} == dict.fromkeys(suite_names(), True)


def test_a_rejected_file_blocks_the_close_not_the_run(vendor_only: tuple[Path, Path, Path]) -> None:
    work, landing, warehouse = vendor_only
    # A sacct dump without the fields any declaration needs: rejected whole at ingest.
    drop(landing, "scheduler/slurm/fjord-gpu/sacct_2023-09.txt", text="JobID|State\n1|COMPLETED\n")
    assert list(ingest(landing, warehouse).rejected) == ["scheduler/slurm/fjord-gpu/sacct_2023-09.txt"]
    _dbt(warehouse, work, "run", "--quiet", "-s", "fct_billing_exceptions", "rpt_period_completeness")
    usage = query(
        warehouse,
        "select rejected_files, is_complete from marts.rpt_period_completeness "
        f"where billing_period = '{PERIOD}' and landing_side = 'usage'",
    )
    assert usage == [(1, True)]
    # The gates pass (the run goes on with what was read) ...
    gates = _gates(warehouse)
    assert {name: result.success for name, result in gates.items()} == dict.fromkeys(suite_names(), True)
    # ... and the rejected file is a blocking exception of the period, which the close refuses.
    blocking = query(
        warehouse,
        "select source_file from marts.fct_billing_exceptions "
        f"where billing_period = '{PERIOD}' and reason_code = 'layout_rejected' and is_blocking",
    )
    assert blocking == [("scheduler/slurm/fjord-gpu/sacct_2023-09.txt",)]
