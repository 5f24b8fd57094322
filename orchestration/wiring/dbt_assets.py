"""The dbt models as Dagster assets, one connected lineage from raw tables to marts."""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.wiring.dbt_checks import describe_test
from orchestration.wiring.dbt_project import meterline_dbt_project
from orchestration.wiring.dbt_warehouse import dbt_run_parameters
from orchestration.wiring.partitions import billing_periods, one_period_per_run


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


@dbt_assets(
    manifest=meterline_dbt_project.manifest_path,
    project=meterline_dbt_project,
    partitions_def=billing_periods,
    backfill_policy=one_period_per_run,
    dagster_dbt_translator=MeterlineTranslator(),
)
def meterline_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Seed billing policy, build every model for the partition's period and run its data tests.

    Unit tests check the models' logic on fixed inputs, not the month's data: they run in the
    test suite (tests/test_dbt_unit_tests.py), not in every billing run.
    """
    command = ["build", "--exclude-resource-type", "unit_test"]
    with dbt_run_parameters(context.partition_key):
        invocation = dbt.cli(command, context=context)
    yield from invocation.stream()
