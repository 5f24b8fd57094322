"""The dbt models as Dagster assets, one connected lineage from raw tables to marts."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.wiring.dbt_project import meterline_dbt_project
from orchestration.wiring.partitions import billing_periods, one_period_per_run


class MeterlineTranslator(DagsterDbtTranslator):
    """Keys are <layer>/<name>; dbt sources map onto the ingest assets' raw/<table> keys."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = (manifest["sources"] | manifest["nodes"])[unique_id]
        if node["resource_type"] == "source":
            return spec.replace_attributes(key=AssetKey(["raw", node["name"]]))
        if node["resource_type"] == "seed":
            layer = "policy"
        else:
            layer = node["fqn"][1] if len(node["fqn"]) > 2 else "models"
        return spec.replace_attributes(key=AssetKey([layer, node["name"]]), group_name=layer)


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
    """Seed billing policy, build every model for the partition's period and run dbt tests."""
    dbt_vars = json.dumps({"billing_period": context.partition_key})
    yield from dbt.cli(["build", "--vars", dbt_vars], context=context).stream()
