"""End to end: energy estimated across a meter gap, billed under the contract flag, then replaced.

A copy of the project declares hel1 an `estimate` site and lets the global_usd price list bill
estimated energy (customer_pricing_terms.allow_estimated_usage). The demo month's HEL-M03 gap
(CUST-US01's dedicated machine) is then estimated, invoiced on a line flagged `is_estimated`,
and the close holds the invoice for approval. When the real readings arrive after the close,
`meterline adjust` issues the difference as a note; the closed invoice and its export stay.
The branch where the contract does not allow estimates is the dbt unit test
int_usage__rated_bills_estimates_only_where_the_contract_allows.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import (
    DEMO_WAIVER,
    PERIOD,
    Deployment,
    copy_project,
    folder_digest,
    lines_not_matching_billed_plus_adjustments,
)

pytestmark = pytest.mark.e2e
PROJECT_DIR = Path(__file__).resolve().parent.parent
METER, CUSTOMER = "HEL-M03", "CUST-US01"
ENERGY_LINE = f"{CUSTOMER}-{PERIOD}:energy_kwh:global_usd:v1"
JOULES_PER_WH = 3600


def _estimating_project(root: Path) -> Path:
    """The project with hel1 estimating its gaps and global_usd allowing estimated energy."""
    project = root / "project"
    copy_project(PROJECT_DIR, project)
    sites = project / "seeds" / "sources" / "energy_sites.csv"
    text = sites.read_text()
    assert ",interval_wh,,15,hold," in text
    sites.write_text(text.replace(",interval_wh,,15,hold,", ",interval_wh,,15,estimate,"))
    with (project / "seeds" / "rating" / "customer_pricing_terms.csv").open("a") as terms:
        terms.write("global_usd,1,energy_kwh,per_unit,,,,,,,,true\n")
    return project


@pytest.fixture(scope="module")
def estimating(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("estimating")
    deployment = Deployment(root / "deployment", _estimating_project(root))
    deployment.generate()
    run = deployment.run()
    assert run.returncode == 0, run.stdout + run.stderr
    yield deployment


def _query(deployment: Deployment, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _meter_readings(deployment: Deployment) -> list[tuple[datetime, int]]:
    """HEL-M03's 15-minute intervals as delivered: (start, Wh), in time order."""
    path = deployment.root / "landing" / "energy" / "hel1" / f"interval_wh_{PERIOD}.csv"
    with path.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["meter"] == METER]
    return sorted(
        (datetime.fromisoformat(r["interval_start_utc"].replace("Z", "+00:00")), int(r["energy_wh"]))
        for r in rows
    )


def _gap(deployment: Deployment) -> tuple[datetime, int, int]:
    """(first missing interval, missing interval count, Wh of the interval before the gap)."""
    readings = _meter_readings(deployment)
    gaps = [
        (start + timedelta(minutes=15), int((after - start) / timedelta(minutes=15)) - 1, wh)
        for (start, wh), (after, _) in itertools.pairwise(readings)
        if after - start > timedelta(minutes=15)
    ]
    assert len(gaps) == 1, gaps
    return gaps[0]


def test_estimated_energy_is_billed_on_a_flagged_line_and_matches_truth(estimating: Deployment) -> None:
    _, missing, wh_before = _gap(estimating)
    # The interval before the gap holds its power across it: missing x its Wh, in joules.
    estimate = Decimal(missing * wh_before * JOULES_PER_WH)
    lines = _query(
        estimating,
        "select invoice_line_id, is_estimated, estimated_quantity_base from marts.fct_invoice_lines "
        "where billing_period = ? and is_estimated",
        [PERIOD],
    )
    assert lines == [(ENERGY_LINE, True, estimate)]
    # Rated pieces behind the line: the estimate is its own piece, flagged, in the hour before the gap.
    pieces = _query(
        estimating,
        "select rating_status, sum(quantity_base) from intermediate.int_usage__rated "
        "where is_estimated group by all",
    )
    assert pieces == [("rated", estimate)]
    assert not _query(
        estimating, "select * from marts.fct_billing_exceptions where reason_code = 'estimate_not_allowed'"
    )
    # The generator's truth bills the same estimate independently: every invoice matches to the cent.
    truth = json.loads((estimating.truth_dir / "expected_invoices.json").read_text())
    expected = {t["customer_id"]: Decimal(t["net_amount"]) for t in truth}
    invoices = dict(_query(estimating, "select customer_id, net_amount from marts.fct_invoices"))
    assert invoices == expected
    expected_lines = {
        (
            t["customer_id"],
            ln["sku_id"],
            int(ln["price_list_version"]),
            ln["line_type"],
            ln["tier_number"],
        ): Decimal(ln["net_amount"])
        for t in truth
        for ln in t["lines"]
    }
    actual_lines = {
        row[:5]: row[5]
        for row in _query(
            estimating,
            "select customer_id, sku_id, price_list_version, line_type, tier_number, net_amount "
            "from marts.fct_invoice_lines",
        )
    }
    assert len(actual_lines) == sum(len(t["lines"]) for t in truth)
    assert actual_lines == expected_lines


def test_the_close_holds_the_estimated_invoice_and_real_readings_become_an_adjustment(
    estimating: Deployment,
) -> None:
    closed = estimating.meterline("close", "--period", PERIOD, "--by", "Controller", *DEMO_WAIVER)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    held = _query(
        estimating,
        "select i.approval_reasons, count(a.approval_id) from ledger.invoices as i "
        "left join ledger.approvals as a using (invoice_number) "
        "where i.customer_id = ? and i.billing_period = ? and i.document_type = 'invoice' group by all",
        [CUSTOMER, PERIOD],
    )
    assert len(held) == 1 and "estimated_usage" in str(held[0][0]) and held[0][1] == 0, held
    billed = _query(
        estimating,
        "select l.quantity_base, l.is_estimated from ledger.invoice_lines as l "
        "inner join ledger.invoices as i using (invoice_number) "
        "where i.billing_period = ? and l.draft_invoice_line_id = ?",
        [PERIOD, ENERGY_LINE],
    )
    assert len(billed) == 1 and billed[0][1] is True

    # The meter's real readings for the gap arrive after the close: twice the estimated power.
    first_missing, missing, wh_before = _gap(estimating)
    late = estimating.root / "landing" / "energy" / "hel1" / f"interval_wh_{PERIOD}_gap.csv"
    late.write_text(
        "meter,interval_start_utc,interval_minutes,energy_wh\n"
        + "".join(
            f"{METER},{(first_missing + timedelta(minutes=15 * n)).strftime('%Y-%m-%dT%H:%M:%SZ')},15,"
            f"{2 * wh_before}\n"
            for n in range(missing)
        )
    )
    exports = estimating.exports_dir / PERIOD
    before = folder_digest(exports)
    assert estimating.run().returncode == 0
    rerated = _query(
        estimating,
        "select quantity_base, is_estimated, estimated_quantity_base from marts.fct_invoice_lines "
        "where invoice_line_id = ?",
        [ENERGY_LINE],
    )
    # Measured now: the billed quantity minus the estimate plus the real energy of the gap.
    real = Decimal(missing * 2 * wh_before * JOULES_PER_WH)
    estimate = Decimal(missing * wh_before * JOULES_PER_WH)
    assert rerated == [(billed[0][0] - estimate + real, False, Decimal(0))]

    adjusted = estimating.meterline(
        "adjust", "--period", PERIOD, "--reason", "estimate_replaced", "--by", "Controller",
        "--why", "HEL-M03 readings for the gap delivered",
    )  # fmt: skip
    assert adjusted.returncode == 0, adjusted.stdout + adjusted.stderr
    notes = _query(
        estimating,
        "select a.quantity_base_delta, l.is_estimated, a.reason_code from ledger.adjustments as a "
        "inner join ledger.invoice_lines as l on a.note_invoice_line_id = l.invoice_line_id "
        "where a.draft_invoice_line_id = ?",
        [ENERGY_LINE],
    )
    assert notes == [(real - estimate, False, "estimate_replaced")]
    # Billed + adjustments = the re-rated period, line by line; the closed export is untouched.
    assert not lines_not_matching_billed_plus_adjustments(estimating)
    assert estimating.meterline("export", "--period", PERIOD).returncode == 0
    assert folder_digest(exports) == before
