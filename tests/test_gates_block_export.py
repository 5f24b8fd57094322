"""A deliberately broken mart makes a Great Expectations gate block the close and its export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.e2e_support import PERIOD, Deployment, copy_project

pytestmark = pytest.mark.e2e
PROJECT_DIR = Path(__file__).resolve().parent.parent
# A one-cent bug in the invoice header, as a faulty model change would introduce it.
BROKEN_HEADER = (
    '{{ config(post_hook="update {{ this }} set net_amount = net_amount + 0.01 '
    'where invoice_id = (select min(invoice_id) from {{ this }})") }}\n'
)


def test_broken_invoice_mart_blocks_export_and_names_the_expectation(tmp_path: Path) -> None:
    project = tmp_path / "project"
    copy_project(PROJECT_DIR, project)
    model = next(project.glob("models/marts/**/fct_invoices.sql"))
    model.write_text(BROKEN_HEADER + model.read_text())

    deployment = Deployment(tmp_path / "deployment", project)
    deployment.generate()
    done = deployment.run()

    assert done.returncode == 1, done.stdout + done.stderr
    assert not (deployment.exports_dir / PERIOD).exists()
    gate_lines = [line for line in done.stdout.splitlines() if "gx_rpt_billing_control_totals" in line]
    assert gate_lines and "FAILED" in gate_lines[0], done.stdout
    assert "expect_column_pair_values_to_be_equal" in gate_lines[0]
    assert "invoice_header_net_amount" in gate_lines[0]
    # The gates that guard untouched marts still pass: the failure is pinned to the broken one.
    assert any("gx_fct_invoice_lines" in line and "passed" in line for line in done.stdout.splitlines())
    assert "Exports: none written" in done.stdout

    # The close re-runs the gates itself: it refuses, names the failed gate and writes nothing.
    refused = deployment.meterline("close", "--period", PERIOD, "--by", "tester")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "REFUSED" in refused.stderr
    assert "gate gx_rpt_billing_control_totals failed" in refused.stderr
    assert not (deployment.exports_dir / PERIOD).exists()
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        assert con.execute("select count(*) from ledger.invoices").fetchone() == (0,)
