"""Reconciliation end to end: the exception queue scored per class against the injected truth,
decisions closing exceptions, dispute evidence packs, and a clean month.

Runs the real `meterline` CLI (Dagster job, dbt, DuckDB) on isolated deployments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import PERIOD, DemoMonth, Deployment, folder_digest
from tests.reconciliation_scoring import render, score

pytestmark = pytest.mark.e2e
PROJECT_DIR = Path(__file__).resolve().parent.parent
VENDOR_CLASSES = {
    "within_tolerance", "rounding", "over_billed", "under_billed", "rate_mismatch", "quantity_mismatch",
    "missing_in_bill", "unexpected_charge", "double_billed", "late_adjustment", "period_drift",
    "sku_unmapped", "cost_anomaly",
}  # fmt: skip


def _exceptions(deployment: Deployment) -> list[dict[str, object]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        result = con.execute(
            "select * from marts.fct_billing_exceptions where billing_period = ? order by exception_id",
            [PERIOD],
        )
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _query(deployment: Deployment, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def demo(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield demo_month.copy_to(tmp_path_factory.mktemp("recon"))


def test_every_class_is_found_with_its_reason_and_nothing_else(demo: Deployment) -> None:
    defects = json.loads((demo.truth_dir / "defects.json").read_text())
    table = score(defects, _exceptions(demo))
    print("\nException queue scored against the injected defects, per class:\n" + render(table))
    by_code = {row.reason_code: row for row in table}
    assert set(by_code) >= VENDOR_CLASSES, VENDOR_CLASSES - set(by_code)
    assert all(row.recall == 1.0 and row.precision == 1.0 for row in table), render(table)


def test_classes_carry_what_a_person_needs(demo: Deployment) -> None:
    rows = {row[0]: row[1:] for row in _query(
        demo,
        "select reason_code, any_value(status), any_value(auto_rule_id), any_value(detail), "
        "any_value(amount_at_risk), any_value(currency_code) from marts.fct_billing_exceptions group by 1",
    )}  # fmt: skip
    # Auto-resolutions name their rule; the others wait for a person.
    assert rows["rounding"][:2] == ("auto_resolved", "vendor_rounding")
    assert rows["within_tolerance"][:2] == ("auto_resolved", "within_vendor_tolerance")
    assert rows["over_billed"][:2] == ("open", None)
    # A rate mismatch names the rate card version expected.
    assert "rate card v1 at 0.512000" in str(rows["rate_mismatch"][2])
    # Unattributed usage is valued at the declared list price (standard_eur).
    unattributed = _query(
        demo,
        "select count(*), count(amount_at_risk), min(currency_code), sum(amount_at_risk) "
        "from marts.fct_billing_exceptions where reason_code = 'unattributed_usage'",
    )[0]
    assert unattributed[0] == unattributed[1] and unattributed[2] == "EUR" and unattributed[3] > 0
    # Anomalies show their baseline and deviation.
    assert "baseline median" in str(rows["cost_anomaly"][2])


def test_decisions_close_exceptions_and_packs_are_deterministic(demo: Deployment) -> None:
    picked = dict(
        _query(
            demo,
            "select reason_code, min(exception_id) from marts.fct_billing_exceptions "
            "where reason_code in ('over_billed', 'meter_gap', 'unattributed_usage') group by 1",
        )
    )
    packs = demo.exports_dir / f"{PERIOD}-disputes"
    before = folder_digest(packs)
    assert any(name.startswith("nimbus_cloud/over_billed-") for name in before)
    resolutions = demo.root / "landing" / "reference" / f"exception_resolutions_{PERIOD}.csv"
    resolutions.write_text(
        "exception_id,action,resolved_by,resolved_at,note\n"
        f"{picked['over_billed']},dispute,ap@meterline.example,2026-11-04T09:00:00Z,credit note requested\n"
        f"{picked['meter_gap']},waive,finance@meterline.example,2026-11-06T12:00:00Z,internal test\n"
        f"{picked['unattributed_usage']},credit,finance@meterline.example,2026-11-06T12:00:00Z,too early\n"
        "nonsense,explode,someone,yesterday,bad row\n"
    )
    done = demo.run()
    assert done.returncode == 0, done.stdout + done.stderr
    decided = dict(
        _query(
            demo,
            "select exception_id, status || '/' || age_days from marts.fct_billing_exceptions "
            f"where exception_id in ('{picked['over_billed']}', '{picked['meter_gap']}')",
        )
    )
    assert decided == {picked["over_billed"]: "disputed/3", picked["meter_gap"]: "waived/5"}
    # The demo month's close waived every unattributed_usage exception after that decision's
    # time: the latest decision wins, so the close's waiver stands.
    waived = _query(
        demo,
        "select status, resolution_action, resolved_by, resolution_source_file, waiver_id like 'WVR-%' "
        f"from marts.fct_billing_exceptions where exception_id = '{picked['unattributed_usage']}'",
    )
    assert waived == [("waived", "waive", "Demo Controller", None, True)]
    # The garbled decision row is quarantined with its value, and rows stay conserved.
    bad = _query(
        demo,
        "select reason_code, detail from marts.fct_billing_exceptions "
        "where source_file like 'reference/exception_resolutions%'",
    )
    assert bad and bad[0][0] == "invalid_value" and "explode" in str(bad[0][1])
    assert all(row[0] for row in _query(demo, "select is_balanced from marts.rpt_row_conservation"))
    kpi = _query(
        demo,
        "select median_days_to_resolution, disputed_items from marts.rpt_reconciliation_kpis "
        "where vendor_id = 'nimbus_cloud'",
    )
    assert kpi[0][0] == 3 and kpi[0][1] >= 1
    # Same inputs for the packs, same bytes.
    assert folder_digest(packs) == before
    pack = json.loads(next(packs.glob("nimbus_cloud/rate_mismatch-*/pack.json")).read_text())
    assert pack["discrepancy"]["rate_card_version"] == 1
    assert {line["line_side"] for line in pack["lines"]} == {"billed", "expected"}
    assert pack["rate_card"] and pack["usage"]


def test_a_clean_month_raises_no_vendor_exception(tmp_path: Path) -> None:
    clean = Deployment(tmp_path, PROJECT_DIR)
    done = clean.meterline(
        "demo", "generate", "--period", PERIOD, "--seed", "7", "--out", str(tmp_path), "--no-vendor-defects"
    )
    assert done.returncode == 0, done.stderr
    assert clean.run().returncode == 0
    defects = json.loads((clean.truth_dir / "defects.json").read_text())
    vendor_exceptions = [e for e in _exceptions(clean) if e["reason_code"] in VENDOR_CLASSES]
    # The only vendor-class line left is power printed to the Wh (a known rounding, auto-resolved).
    assert [(e["reason_code"], e["status"]) for e in vendor_exceptions] == [("rounding", "auto_resolved")]
    table = score(defects, _exceptions(clean))
    print("\nClean month, per class:\n" + render(table))
    assert all(row.recall == 1.0 and row.precision == 1.0 for row in table), render(table)
    assert not _query(clean, "select * from marts.fct_cost_anomalies where is_anomaly")
