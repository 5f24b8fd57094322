"""Descriptions of dbt tests as Dagster asset checks, so none reads "No description"."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def describe_test(test: Mapping[str, Any]) -> str:
    """What a dbt test asserts, from its YAML description or else its name and arguments."""
    if str(test.get("description") or "").strip():
        return str(test["description"]).strip()
    metadata = test.get("test_metadata") or {}
    severity = str(test.get("config", {}).get("severity", "error")).lower()
    if not metadata:
        return f"Singular dbt test {test['original_file_path']} ({severity}): fails for every row it selects."
    kwargs = metadata.get("kwargs") or {}
    arguments = {name: value for name, value in kwargs.items() if name not in ("model", "column_name")}
    subject = f"column {test['column_name']}" if test.get("column_name") else "the model"
    detail = f" with {json.dumps(arguments, sort_keys=True)}" if arguments else ""
    return f"dbt test {metadata['name']} on {subject}{detail} ({severity})."
