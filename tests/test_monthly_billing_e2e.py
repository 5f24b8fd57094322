"""End to end: the real `monthly_billing` Dagster job on a generated demo month.

The generator computes its own expected invoices with Python Decimal and lists every defect
it injected; the pipeline must match the invoices to the cent and raise each defect as an
exception with the right reason code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from orchestration.wiring.dbt_project import meterline_dbt_project
from tests.e2e_support import PERIOD, DemoMonth, Deployment, close_demo_month, folder_digest
from tests.reconciliation_scoring import explains

pytestmark = pytest.mark.e2e
PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def billed(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The demo month billed and closed as `make run` does, shared by the tests below."""
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("billed"))
    deployment.__dict__["run_output"] = demo_month.run.stdout
    yield deployment


def _query(deployment: Deployment, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_invoices_match_truth_to_the_cent(billed: Deployment) -> None:
    truth = json.loads((billed.truth_dir / "expected_invoices.json").read_text())
    invoices = {
        row[0]: row[1:]
        for row in _query(
            billed,
            f"select customer_id, currency_code, net_amount, tax_amount, gross_amount "
            f"from marts.fct_invoices where billing_period = '{PERIOD}'",
        )
    }
    expected = {
        t["customer_id"]: (
            t["currency_code"],
            Decimal(t["net_amount"]),
            Decimal(t["tax_amount"]),
            Decimal(t["gross_amount"]),
        )
        for t in truth
    }
    assert invoices == expected


def test_invoice_lines_match_truth(billed: Deployment) -> None:
    truth = json.loads((billed.truth_dir / "expected_invoices.json").read_text())
    expected = sorted(
        (
            t["customer_id"],
            line["sku_id"],
            int(line["price_list_version"]),
            line["line_type"],
            line["pricing_model"],
            line["tier_number"],
            Decimal(line["net_amount"]),
            Decimal(line["tax_amount"]),
            line["tax_rule_id"],
        )
        for t in truth
        for line in t["lines"]
    )
    actual = sorted(
        _query(
            billed,
            f"select customer_id, sku_id, price_list_version, line_type, pricing_model, tier_number, "
            f"net_amount, tax_amount, tax_rule_id from marts.fct_invoice_lines "
            f"where billing_period = '{PERIOD}'",
        )
    )
    assert actual == expected
    # Every pricing model and every kind of line is on at least one demo invoice.
    assert {row[4] for row in actual} >= {
        "per_unit", "graduated", "volume", "package", "pass_through", "flat_fee", "minimum_commitment",
    }  # fmt: skip
    assert {row[3] for row in actual} == {"usage", "included", "discount", "fee", "true_up"}
    # An EU business customer in another member state than the issuer is reverse charged.
    assert {row[8] for row in actual if row[0] == "CUST-FI01"} == {"fi_reverse_charge_b2b_2024"}


def test_margin_converts_costs_into_the_revenue_currency_exactly(billed: Deployment) -> None:
    """A cost in another currency is converted at the period's last-day rate of its pair (x rate)
    or of the inverse pair (/ rate), rounded half-even once; the margin is revenue minus that."""
    rates = {
        (base, quote): Fraction(rate)
        for base, quote, rate in _query(
            billed,
            "select base_currency, quote_currency, rate from intermediate.int_fx_rates__daily "
            "where rate_date = date '2026-10-31'",
        )
    }
    rows = _query(
        billed,
        "select revenue_currency_code, revenue_amount, cost_currency_code, cost_amount, cost_fx_pair, "
        "cost_fx_rate, cost_in_margin_currency_amount, margin_amount from marts.fct_margin",
    )
    converted = [row for row in rows if row[0] and row[2] and row[0] != row[2]]
    assert {row[4].split("/")[0] == row[2] for row in converted} == {True, False}  # both directions used
    for revenue_currency, revenue, cost_currency, cost, pair, rate, cost_converted, margin in converted:
        if (cost_currency, revenue_currency) in rates:
            exact = Fraction(cost) * rates[(cost_currency, revenue_currency)]
            assert pair == f"{cost_currency}/{revenue_currency}"
        else:
            exact = Fraction(cost) / rates[(revenue_currency, cost_currency)]
            assert pair == f"{revenue_currency}/{cost_currency}"
        assert Fraction(rate) == rates[tuple(pair.split("/"))]
        assert cost_converted == Decimal(round(exact * 100)) / 100  # round() on a Fraction is half-even
        assert margin == revenue - cost_converted
    for revenue_currency, revenue, cost_currency, cost, pair, _, cost_converted, margin in rows:
        if revenue_currency == cost_currency or not (revenue_currency and cost_currency):
            assert pair is None and cost_converted == cost and margin == revenue - cost


def test_margin_revenue_ties_out_with_the_invoices(billed: Deployment) -> None:
    """Every invoice line is allocated to the margin whole: per customer, the margin's revenue is
    the sum of its invoice line nets, recomputed here line by line, to the cent."""
    invoiced: dict[str, tuple[str, Decimal]] = {}
    for customer_id, currency_code, net_amount in _query(
        billed,
        f"select customer_id, currency_code, net_amount from marts.fct_invoice_lines "
        f"where billing_period = '{PERIOD}'",
    ):
        currency, total = invoiced.get(str(customer_id), (str(currency_code), Decimal(0)))
        assert currency == currency_code  # one invoice currency per customer
        invoiced[str(customer_id)] = (currency, total + Decimal(str(net_amount)))  # exact: DECIMAL(18,2)
    margin_revenue = {
        row[0]: (row[1], row[2])
        for row in _query(
            billed,
            f"select customer_id, revenue_currency_code, sum(revenue_amount) from marts.fct_margin "
            f"where billing_period = '{PERIOD}' and revenue_currency_code is not null group by all",
        )
    }
    assert len(invoiced) == 6
    assert margin_revenue == invoiced
    # Lines without usage of their own (fees, true-ups) are in that revenue, not only usage lines.
    assert {
        row[0]
        for row in _query(
            billed,
            f"select distinct line_type from marts.fct_invoice_lines where billing_period = '{PERIOD}'",
        )
    } >= {"fee", "true_up", "discount"}


def test_every_demo_customer_has_a_positive_margin(billed: Deployment) -> None:
    """The demo's prices make a plausible business: every customer's revenue covers the cost of
    the capacity it used (all its costs converted, so the margin is known)."""
    margins = {
        row[0]: (row[1], row[2], row[3])
        for row in _query(
            billed,
            f"select customer_id, sum(revenue_amount), sum(margin_amount), count(*) - count(margin_amount) "
            f"from marts.fct_margin where billing_period = '{PERIOD}' and customer_id is not null "
            f"group by customer_id",
        )
    }
    assert len(margins) == 6
    for customer_id, (revenue, margin, unconverted) in margins.items():
        assert unconverted == 0, customer_id
        assert 0 < margin < revenue, (customer_id, revenue, margin)


def test_every_injected_defect_is_an_exception_with_its_reason(billed: Deployment) -> None:
    defects = json.loads((billed.truth_dir / "defects.json").read_text())
    assert defects, "the demo month must inject defects"
    with duckdb.connect(str(billed.duckdb_path), read_only=True) as con:
        columns = [
            d[0] for d in con.execute("select * from marts.fct_billing_exceptions limit 0").description
        ]
        exceptions = [
            dict(zip(columns, row, strict=True))
            for row in con.execute(
                f"select * from marts.fct_billing_exceptions where billing_period = '{PERIOD}'"
            ).fetchall()
        ]
    missed = [d for d in defects if not any(explains(d, e) for e in exceptions)]
    assert not missed, json.dumps(missed, indent=2)
    # Every reason the generator injects is covered at least once.
    assert {d["reason_code"] for d in defects} <= {e["reason_code"] for e in exceptions}
    # Precision too: a clean row never raises an exception, so each one traces to a defect.
    unexplained = [e for e in exceptions if not any(explains(d, e) for d in defects)]
    assert not unexplained, unexplained[:5]


def test_every_raw_row_is_accounted_for(billed: Deployment) -> None:
    rows = _query(
        billed,
        "select source_file, raw_rows, canonical_rows + duplicate_rows + quarantined_rows + excluded_rows, "
        "is_balanced from marts.rpt_row_conservation",
    )
    assert rows
    assert all(raw == placed and balanced for _, raw, placed, balanced in rows), rows
    loaded = _query(billed, "select sum(row_count) from raw.file_registry where status = 'loaded'")[0][0]
    assert sum(raw for _, raw, _, _ in rows) == loaded


def test_the_billing_run_records_every_policy_seed_it_loaded_and_tested(billed: Deployment) -> None:
    """A fresh warehouse loads and tests every seed; the run records each one (read from the
    events dbt streamed), so the next run of any period leaves the unchanged ones out."""
    manifest = json.loads(meterline_dbt_project.manifest_path.read_text())
    seeds = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    recorded = dict(_query(billed, "select seed_unique_id, run_id from meta.seed_loads"))
    assert set(recorded) == seeds
    run_ids = set(recorded.values())
    assert len(run_ids) == 1
    assert f"Dagster run {run_ids.pop()}: succeeded" in billed.__dict__["run_output"]


def test_export_manifest_hashes_every_file(billed: Deployment) -> None:
    folder = billed.exports_dir / PERIOD
    manifest = json.loads((folder / "manifest.json").read_text())
    digests = folder_digest(folder)
    assert {f["file"] for f in manifest["files"]} == set(digests) - {"manifest.json"}
    for entry in manifest["files"]:
        assert digests[entry["file"]] == entry["sha256"]
    assert set(manifest["gates_passed"]) == {
        "gx_fct_invoice_lines",
        "gx_fct_invoices",
        "gx_rpt_billing_control_totals",
        "gx_rpt_period_completeness",
        "gx_rpt_row_conservation",
    }
    assert "Gates:" in billed.__dict__["run_output"]


def test_rerunning_the_period_gives_byte_identical_exports(billed: Deployment, tmp_path: Path) -> None:
    first = folder_digest(billed.exports_dir / PERIOD)
    again = billed.run()
    assert again.returncode == 0, again.stdout + again.stderr
    # Closing a closed period is a no-op that rewrites the same files from the frozen ledger.
    closed_again = billed.meterline("close", "--period", PERIOD, "--by", "someone else")
    assert closed_again.returncode == 0, closed_again.stdout + closed_again.stderr
    assert "by Demo Controller" in closed_again.stdout
    assert folder_digest(billed.exports_dir / PERIOD) == first

    # A fresh deployment (new warehouse, new Dagster home) fed the same drop gives the same bytes.
    fresh = Deployment(tmp_path, PROJECT_DIR)
    fresh.generate()
    assert fresh.run().returncode == 0
    close_demo_month(fresh)
    assert folder_digest(fresh.exports_dir / PERIOD) == first


def test_hand_written_reference_pass_gives_the_same_lines_on_both_sides(billed: Deployment) -> None:
    from bench.reference_pass import comparable_lines, reference_lines

    with duckdb.connect(str(billed.duckdb_path), read_only=True) as con:
        reference, pipeline = comparable_lines(con, reference_lines(con, PERIOD), PERIOD)
    customer = [line for line in pipeline if line[0] == "customer"]
    vendor = [line for line in pipeline if line[0] == "vendor"]
    assert len(customer) >= 20
    # power of all four colocation sites, plus their contracted space and cross-connects
    assert {line[4] for line in vendor if line[2] == "power_kwh"} == {"osl1", "hel1", "add1", "cgk1"}
    assert len(vendor) >= 8
    assert reference == pipeline
