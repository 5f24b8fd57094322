"""Where meterline reads and writes, from environment variables with local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Paths of one meterline deployment; every path can be overridden by an env var."""

    landing_dir: Path
    duckdb_path: Path
    exports_dir: Path
    # What readers open instead of the warehouse: per-period Parquet and a catalog of views.
    published_dir: Path
    seeds_dir: Path = PROJECT_DIR / "seeds"

    @classmethod
    def from_env(cls) -> Settings:
        def path(var: str, default: str) -> Path:
            value = Path(os.environ.get(var, default))
            return value if value.is_absolute() else PROJECT_DIR / value

        return cls(
            landing_dir=path("MET_LANDING_DIR", "landing"),
            duckdb_path=path("MET_DUCKDB_PATH", "warehouse/meterline.duckdb"),
            exports_dir=path("MET_EXPORTS_DIR", "exports"),
            published_dir=path("MET_PUBLISHED_DIR", "published"),
        )
