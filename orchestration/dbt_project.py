"""The dbt project, built once and shared by the dbt assets and the dbt resource."""

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import PROJECT_DIR

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

meterline_dbt_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=Path("target"),
)


def parse_dbt_project() -> None:
    """Write target/manifest.json from the current models (the assets are built from it)."""
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        check=True,
        cwd=PROJECT_DIR,
    )


meterline_dbt_project.prepare_if_dev()
if not meterline_dbt_project.manifest_path.exists():
    parse_dbt_project()
