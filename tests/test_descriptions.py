"""Every model, column, seed, source and macro of the dbt project is described.

Reads target/manifest.json, which tests/conftest.py writes (dbt parse) before the tests start
whenever a dbt file is newer than it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PACKAGE = "meterline"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads((PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def _own_nodes(manifest: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    nodes = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == resource_type and node["package_name"] == PACKAGE
    ]
    assert nodes, f"no {resource_type} of {PACKAGE} in the manifest"
    return nodes


def _undescribed(described: dict[str, Any]) -> bool:
    return not str(described.get("description") or "").strip()


def test_every_model_and_column_is_described(manifest: dict[str, Any]) -> None:
    models = _own_nodes(manifest, "model")
    missing = [model["unique_id"] for model in models if _undescribed(model)]
    missing += [
        f"{model['unique_id']}.{name}"
        for model in models
        for name, column in model["columns"].items()
        if _undescribed(column)
    ]
    assert not missing, f"undescribed: {missing}"
    # A model without any declared column would pass the loop above vacuously.
    assert not [model["unique_id"] for model in models if not model["columns"]]


def test_every_seed_and_each_of_its_csv_columns_is_described(manifest: dict[str, Any]) -> None:
    missing = []
    for seed in _own_nodes(manifest, "seed"):
        if _undescribed(seed):
            missing.append(seed["unique_id"])
        with (PROJECT_DIR / seed["original_file_path"]).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        declared = {name.lower(): column for name, column in seed["columns"].items()}
        missing += [
            f"{seed['unique_id']}.{name}"
            for name in header
            if name.lower() not in declared or _undescribed(declared[name.lower()])
        ]
    assert not missing, f"undescribed: {missing}"


def test_every_source_table_and_column_is_described(manifest: dict[str, Any]) -> None:
    sources = [source for source in manifest["sources"].values() if source["package_name"] == PACKAGE]
    assert sources
    missing = [source["unique_id"] for source in sources if _undescribed(source)]
    missing += [
        f"{source['unique_id']}.{name}"
        for source in sources
        for name, column in source["columns"].items()
        if _undescribed(column)
    ]
    assert not missing, f"undescribed: {missing}"


def test_every_macro_and_argument_is_described(manifest: dict[str, Any]) -> None:
    macros = [macro for macro in manifest["macros"].values() if macro["package_name"] == PACKAGE]
    assert macros
    missing = [macro["unique_id"] for macro in macros if _undescribed(macro)]
    missing += [
        f"{macro['unique_id']}({argument['name']})"
        for macro in macros
        for argument in macro["arguments"]
        if _undescribed(argument)
    ]
    assert not missing, f"undescribed: {missing}"
