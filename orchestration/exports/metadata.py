"""What the Dagster UI shows for a period's exports, from the manifest the writer returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from dagster import MetadataValue


def export_metadata(manifest: dict[str, object], folder: Path) -> dict[str, Any]:
    """The export folder, its files, the content hash and the documents still held."""
    return {
        "path": MetadataValue.path(str(folder)),
        "files": MetadataValue.json(cast(list[Any], manifest["files"])),
        "content_sha256": str(manifest["content_sha256"]),
        "held_documents": MetadataValue.json(cast(list[Any], manifest["held_documents"])),
    }
