"""The declared vendor sources (the dbt var `vendor_sources` in dbt_project.yml) are the one list
of vendor kinds: the ingest registry, the export format seed's accepted values and the
conformed vendor charge models all agree with it.

Reads target/manifest.json, which tests/conftest.py writes (dbt parse) before the tests start
whenever a dbt file is newer than it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from orchestration.ingest.vendor_layouts import VENDOR_EXPORT_FORMATS

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Formats the ingest reads with a layout of their own rather than through VENDOR_EXPORT_FORMATS:
# FOCUS (any vendor's FOCUS export) and colocation invoices (one declared layout per vendor).
OWN_LAYOUT_FORMATS = {"focus", "colo"}


def _declared_kinds() -> list[str]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return [entry["source_kind"] for entry in project["vars"]["vendor_sources"]]


def _manifest() -> dict[str, Any]:
    manifest_file = PROJECT_DIR / "target" / "manifest.json"
    manifest: dict[str, Any] = json.loads(manifest_file.read_text(encoding="utf-8"))
    return manifest


def test_declared_vendor_kinds_are_the_ingest_formats() -> None:
    kinds = _declared_kinds()
    assert len(kinds) == len(set(kinds)), kinds
    assert set(kinds) == set(VENDOR_EXPORT_FORMATS) | OWN_LAYOUT_FORMATS


def test_export_format_seed_accepts_exactly_the_registry_formats() -> None:
    seeds_file = PROJECT_DIR / "seeds" / "sources" / "_sources__seeds.yml"
    seeds = yaml.safe_load(seeds_file.read_text(encoding="utf-8"))
    export_formats = next(seed for seed in seeds["seeds"] if seed["name"] == "vendor_billing_exports")
    rules = next(test["column_rules"] for test in export_formats["data_tests"] if "column_rules" in test)
    assert set(rules["arguments"]["accepted_values"]["export_format"]) == set(VENDOR_EXPORT_FORMATS)


def test_every_declared_vendor_has_one_conformed_model_unioned_into_the_unified_lines() -> None:
    nodes = {node["name"]: node for node in _manifest()["nodes"].values() if node["resource_type"] == "model"}
    conformed = [f"stg_{kind}__vendor_charges" for kind in _declared_kinds()]
    assert [name for name in conformed if name not in nodes] == []
    # No conformed model is left out of the declared list.
    assert sorted(name for name in nodes if name.endswith("__vendor_charges")) == sorted(conformed)
    unified = nodes["int_vendor_charges__unified"]
    assert sorted(f"model.meterline.{name}" for name in conformed) == sorted(
        node for node in unified["depends_on"]["nodes"] if node.endswith("__vendor_charges")
    )
    # One declared shape: every conformed model declares the same columns in the same order.
    shapes = {name: list(nodes[name]["columns"]) for name in conformed}
    assert all(shape == shapes[conformed[0]] for shape in shapes.values()), shapes
    assert len(shapes[conformed[0]]) > 40
