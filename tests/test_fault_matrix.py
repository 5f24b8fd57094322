"""Fault matrix: unreadable files dropped into the demo month's landing, one real `meterline run`.

Each fault must end as a rejected file with its reason while the run completes, the raw tables
and the period's draft invoices stay exactly as the baseline, and the closed ledger verifies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import duckdb
import pytest

from tests.conftest import REAL_FIXTURES
from tests.e2e_support import PERIOD, DemoMonth, Deployment

COLO_HEADER = (
    "invoice_no,line_no,service_from,service_to,description,item_code,qty,uom,unit_price_eur,line_total_eur\n"
)
COLO_LINE = "A9,1,2026-10-01,2026-10-31,Power Gjøvik,PWR-MET,10,kWh,0.098,0.98\n"

# case -> (landing path, bytes or None for a link to a file outside landing, reason in the registry)
MATRIX: dict[str, tuple[str, bytes | None, str]] = {
    "binary_named_csv": (
        "vendor_billing/colo/aurora_dc/zz_binary.csv",
        bytes(range(256)) * 16,
        "not a text file (NUL byte",
    ),
    "latin1_not_declared": (
        "vendor_billing/colo/aurora_dc/zz_latin1.csv",
        (COLO_HEADER + COLO_LINE).encode("latin-1"),
        "not UTF-8: invalid byte 0xF8 on line 2",
    ),
    "cut_mid_row": (
        "vendor_billing/focus/nimbus_cloud/zz_cut.csv",
        (REAL_FIXTURES / "focus" / "focus_1_0_sample.csv").read_bytes()[:50_000],
        "truncated or malformed row at line 67",
    ),
    "field_count": (
        "vendor_billing/colo/aurora_dc/zz_ragged.csv",
        (COLO_HEADER + "A9,1,2026-10-01\n" + COLO_LINE).encode(),
        "line 2 has 3 fields, the header has 10",
    ),
    "symlink_outside_landing": ("vendor_billing/colo/aurora_dc/zz_link.csv", None, "a symbolic link"),
}

BASELINE_SQL = {
    "invoices": "select * from marts.fct_invoices where billing_period = ? order by all",
    "invoice_lines": "select * from marts.fct_invoice_lines where billing_period = ? order by all",
}
RAW_COUNTS_SQL = """
    select table_name, estimated_size from duckdb_tables()
    where schema_name = 'raw' and table_name <> 'file_registry' order by table_name
"""


def _snapshot(deployment: Deployment) -> dict[str, object]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        snapshot: dict[str, object] = {
            name: con.execute(sql, [PERIOD]).fetchall() for name, sql in BASELINE_SQL.items()
        }
        tables = [row[0] for row in con.execute(RAW_COUNTS_SQL).fetchall()]
        snapshot["raw_rows"] = {t: con.execute(f"select count(*) from raw.{t}").fetchone() for t in tables}
    return snapshot


@pytest.fixture(scope="module")
def faulted(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("faults")
    deployment = demo_month.copy_to(root / "deployment")
    baseline = _snapshot(deployment)
    outside = root / "outside.csv"
    outside.write_text(COLO_HEADER + COLO_LINE, encoding="utf-8")
    for relative, data, _ in MATRIX.values():
        target = deployment.root / "landing" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            os.symlink(outside, target)
        else:
            target.write_bytes(data)
    started = time.monotonic()
    run = deployment.run()
    seconds = time.monotonic() - started
    yield {"deployment": deployment, "baseline": baseline, "run": run, "seconds": seconds}


def test_the_run_completes_and_the_rest_is_billed_as_the_baseline(faulted: dict[str, object]) -> None:
    run, deployment = faulted["run"], faulted["deployment"]
    assert isinstance(deployment, Deployment)
    assert "succeeded" in run.stdout, run.stdout + run.stderr  # type: ignore[attr-defined]
    # Nothing of a rejected file reached raw, and the period's drafts are unchanged.
    assert _snapshot(deployment) == faulted["baseline"]
    verified = deployment.meterline("verify")
    assert verified.returncode == 0, verified.stderr
    print(f"fault matrix run: {faulted['seconds']:.1f} s")


@pytest.mark.parametrize("case", sorted(MATRIX))
def test_each_fault_is_a_rejected_file_with_its_reason(case: str, faulted: dict[str, object]) -> None:
    relative, _, reason = MATRIX[case]
    deployment = faulted["deployment"]
    assert isinstance(deployment, Deployment)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select status, error, row_count from raw.file_registry where source_file = ?", [relative]
        ).fetchall()
    assert len(rows) == 1
    status, error, row_count = rows[0]
    assert (status, row_count) == ("rejected", 0)
    assert error.startswith(f"{relative}: {reason}")
