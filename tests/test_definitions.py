"""The Dagster wiring: one connected lineage, blocking gates, the job and its schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import AssetKey, build_schedule_context

from orchestration.definitions import defs


def test_lineage_runs_from_landing_through_dbt_to_the_export() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/slurm_jobs", "raw/file_registry", "policy/customer_price_lists"} <= keys
    assert {"marts/fct_invoice_lines", "marts/fct_invoices", "marts/fct_billing_exceptions"} <= keys
    assert "exports/invoice_export" in keys
    # dbt sources resolve to the ingest assets, so staging hangs off raw/<table>.
    staging = AssetKey(["staging", "stg_slurm__jobs"])
    assert AssetKey(["raw", "slurm_jobs"]) in graph.get(staging).parent_keys
    # Every layer is its own group.
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"raw", "policy", "staging", "intermediate", "marts", "exports"} <= groups


def test_gates_are_blocking_checks_on_the_invoicing_marts() -> None:
    graph = defs.resolve_asset_graph()
    gates = {key for key in graph.asset_check_keys if key.name.startswith("gx_")}
    assert {(key.asset_key.to_user_string(), key.name) for key in gates} == {
        ("marts/fct_invoice_lines", "gx_fct_invoice_lines"),
        ("marts/fct_invoices", "gx_fct_invoices"),
        ("marts/rpt_billing_control_totals", "gx_rpt_billing_control_totals"),
        ("marts/rpt_period_completeness", "gx_rpt_period_completeness"),
        ("marts/rpt_row_conservation", "gx_rpt_row_conservation"),
    }
    assert all(graph.get_check_spec(key).blocking for key in gates)
    # dbt tests surface as asset checks too.
    assert any(not key.name.startswith("gx_") for key in graph.asset_check_keys)


def test_monthly_job_and_schedule() -> None:
    job = defs.resolve_job_def("monthly_billing")
    assert job.partitions_def is not None
    keys = job.partitions_def.get_partition_keys(current_time=datetime(2026, 12, 4, tzinfo=UTC))
    # From the first billable period to the month under way (a preview), one per month.
    assert keys[0] == "2015-01" and keys[-1] == "2026-12" and "2026-10" in keys
    schedule = defs.resolve_schedule_def("monthly_billing_schedule")
    assert schedule.cron_schedule == "0 6 2 * *"
    assert schedule.job_name == "monthly_billing"
    # A tick on 2 November bills October, the month that ended.
    context = build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 2, 6, tzinfo=UTC),
        repository_def=defs.get_repository_def(),
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-10"


def test_close_job_freezes_then_exports_and_the_monthly_job_stops_at_the_gates() -> None:
    close = defs.resolve_job_def("period_close")
    close_keys = {key.to_user_string() for key in close.asset_layer.selected_asset_keys}
    assert close_keys == {"ledger/exception_statuses", "ledger/period_close", "exports/invoice_export"}
    graph = defs.resolve_asset_graph()
    # The exception marts show the waivers recorded for the close before the close judges them.
    assert (
        AssetKey(["ledger", "exception_statuses"])
        in graph.get(AssetKey(["ledger", "period_close"])).parent_keys
    )
    waivers = graph.get(AssetKey(["staging", "stg_ledger__waivers"]))
    assert AssetKey(["ledger", "waivers"]) in waivers.parent_keys
    assert (
        AssetKey(["ledger", "period_close"]) in graph.get(AssetKey(["exports", "invoice_export"])).parent_keys
    )
    assert (
        AssetKey(["marts", "fct_billing_exceptions"])
        in graph.get(AssetKey(["ledger", "period_close"])).parent_keys
    )
    monthly = defs.resolve_job_def("monthly_billing")
    monthly_keys = {key.to_user_string() for key in monthly.asset_layer.selected_asset_keys}
    assert "marts/fct_invoices" in monthly_keys and not monthly_keys & close_keys
