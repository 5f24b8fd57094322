"""The Dagster instance's dagster.yaml: telemetry off.

Written once into DAGSTER_HOME by the command line, the benchmark and `make ui`; a file
someone wrote is left as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

INSTANCE_CONFIG = "telemetry:\n  enabled: false\n"


def ensure_instance_config(dagster_home: Path) -> None:
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)


if __name__ == "__main__":
    ensure_instance_config(Path(sys.argv[1]))
