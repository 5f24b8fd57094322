"""The dbt models as Dagster assets, one connected lineage from raw tables to marts."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetKey, AssetObservation, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from orchestration.wiring.dbt_checks import describe_test
from orchestration.wiring.dbt_project import WITHOUT_ARTIFACTS, meterline_dbt_project
from orchestration.wiring.dbt_warehouse import dbt_run_parameters
from orchestration.wiring.partitions import billing_periods, one_period_per_run
from orchestration.wiring.resources import MeterlineDbt
from orchestration.wiring.seed_loads import forget_seed_loads, plan_seed_loads, record_seed_loads
from orchestration.wiring.settings import PROJECT_DIR, Settings


class MeterlineTranslator(DagsterDbtTranslator):
    """Keys are <layer>/<name>. A dbt source is keyed as the asset that writes its table:
    `meta.dagster.asset_key` when the source declares it (the ledger), else <schema>/<table>
    (raw/<table>, the ingest assets' keys), so the graph is one connected lineage."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = (manifest["sources"] | manifest["nodes"])[unique_id]
        if node["resource_type"] == "source":
            declared = (node.get("meta") or {}).get("dagster", {}).get("asset_key")
            return spec.replace_attributes(key=AssetKey(declared or [node["schema"], node["name"]]))
        if node["resource_type"] == "seed":
            layer = "policy"
        else:
            layer = node["fqn"][1] if len(node["fqn"]) > 2 else "models"
        return spec.replace_attributes(key=AssetKey([layer, node["name"]]), group_name=layer)

    def get_asset_check_spec(
        self,
        asset_spec: AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))


def dbt_key(layer: str, name: str) -> AssetKey:
    return AssetKey([layer, name])


def node_status(event: object) -> dict[str, str]:
    """{unique_id: dbt status} of the node a streamed event reports (a model's or seed's
    output, a test's check result or observation), else empty. dbt writes no run_results.json
    in a billing run, so the events are where the build's outcome per node is read."""
    metadata = getattr(event, "metadata", None) or {}
    unique_id, status = metadata.get("unique_id"), metadata.get("status")
    if unique_id is None or status is None:
        return {}
    return {str(getattr(unique_id, "value", unique_id)): str(getattr(status, "value", status))}


@dbt_assets(
    manifest=meterline_dbt_project.manifest_path,
    project=meterline_dbt_project,
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    dagster_dbt_translator=MeterlineTranslator(),
)
def meterline_dbt_models(context: AssetExecutionContext, dbt: MeterlineDbt) -> Iterator[Any]:
    """Seed billing policy that changed, build every model for the partition's period and run
    its data tests.

    A seed is loaded and tested only when its content changed since the warehouse last loaded
    it (orchestration/wiring/seed_loads.py); a fresh warehouse loads and tests every seed.
    Unit tests check the models' logic on fixed inputs, not the month's data: they run in the
    test suite (tests/test_dbt_unit_tests.py), not in every billing run.
    """
    command = ["build", "--exclude-resource-type", "unit_test", *WITHOUT_ARTIFACTS]
    duckdb_path = Settings.from_env().duckdb_path
    manifest = json.loads(meterline_dbt_project.manifest_path.read_text())
    plan = plan_seed_loads(manifest, PROJECT_DIR, duckdb_path)
    # Only a whole build leaves seeds out: a subset chosen in the UI selects its tests through
    # dbt's indirect selection, which an explicit exclusion list would switch off.
    whole_build = (
        context.selected_asset_keys == context.assets_def.keys
        and context.selected_asset_check_keys == context.assets_def.check_keys
    )
    if whole_build and plan.unchanged:
        command += plan.exclusion_args()
        context.log.info(
            f"{len(plan.unchanged)} of {len(plan.fingerprints)} seeds unchanged since the warehouse "
            f"loaded them: not reloaded; loading and testing {len(plan.loaded)}"
        )
    else:
        plan = plan.loading_all()
    forget_seed_loads(plan, duckdb_path)
    statuses: dict[str, str] = {}
    with dbt_run_parameters(context.partition_key):
        try:
            for event in dbt.invoke(command, context=context).stream():
                statuses.update(node_status(event))
                yield event
        finally:
            # Also after a failed build: the seeds that loaded and passed their tests stay recorded.
            record_seed_loads(plan, statuses, duckdb_path, context.run_id)
    for seed in plan.unchanged:
        node = manifest["nodes"][seed]
        yield AssetObservation(
            asset_key=dbt_key("policy", node["name"]),
            partition=context.partition_key,
            description="unchanged since the warehouse loaded and tested it: not reloaded",
            metadata={"fingerprint": plan.fingerprints[seed]},
        )
