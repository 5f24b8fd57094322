"""A snapshot of the Dagster definitions: asset keys and groups, checks, jobs, schedules, sensors.

Any wiring change shows as a diff of tests/snapshots/definitions.json. After a deliberate
change, rewrite the snapshot with `MET_UPDATE_SNAPSHOTS=1 pytest -n 0 tests/test_definitions_snapshot.py`
and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from orchestration.definitions import defs

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "definitions.json"


def current_definitions() -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    repository = defs.get_repository_def()
    assets = {key.to_user_string(): graph.get(key).group_name for key in sorted(graph.get_all_asset_keys())}
    checks = sorted(
        f"{key.asset_key.to_user_string()}:{key.name}"
        + (" (blocking)" if graph.get_check_spec(key).blocking else "")
        for key in graph.asset_check_keys
    )
    jobs = {
        job.name: sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
        for job in sorted(defs.resolve_all_job_defs(), key=lambda job: job.name)
        if not job.name.startswith("__")
    }
    schedules = {
        schedule.name: {
            "cron": schedule.cron_schedule,
            "job": schedule.job_name,
            "default_status": schedule.default_status.value,
        }
        for schedule in repository.schedule_defs
    }
    sensors = {
        sensor.name: {
            "jobs": sorted(target.job_name for target in sensor.targets),
            "default_status": sensor.default_status.value,
        }
        for sensor in repository.sensor_defs
    }
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_definitions_match_the_snapshot() -> None:
    current = current_definitions()
    if os.environ.get("MET_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for part in ("assets", "checks", "jobs", "schedules", "sensors"):
        assert current[part] == expected[part], f"the {part} of the definitions changed"
