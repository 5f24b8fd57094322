"""The Dagster instance's dagster.yaml: telemetry off, and the pooled SQLite event log.

Written once into DAGSTER_HOME by every entry point (the command line, the benchmark, `make
ui`); a file someone wrote by hand is left as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

INSTANCE_CONFIG = """\
telemetry:
  enabled: false
# Dagster's SQLite event log, in the same files, keeping its connections open instead of one
# new engine per event (orchestration/wiring/event_log_storage.py).
event_log_storage:
  module: orchestration.wiring.event_log_storage
  class: PooledSqliteEventLogStorage
"""
# What earlier versions wrote: upgraded in place, since nobody edited it.
EARLIER_CONFIGS = ("telemetry:\n  enabled: false\n",)


def ensure_instance_config(dagster_home: Path) -> None:
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text() in EARLIER_CONFIGS:
        config.write_text(INSTANCE_CONFIG)


if __name__ == "__main__":
    ensure_instance_config(Path(sys.argv[1]))
