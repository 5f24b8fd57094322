"""The dbt project, built once and shared by the dbt assets and the dbt resource.

Importing this module does not run dbt. The manifest the assets are built from is written
by `prepare_dbt_project()` (the CLI, the benchmark and the tests call it before loading the
definitions), or by `dagster dev` through `prepare_if_dev()`.
"""

import os
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.wiring.dbt_forked import parse_project
from orchestration.wiring.settings import PROJECT_DIR

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# dbt's file log at debug level writes every statement of every node, about 18 MB per run and
# a fifth of dbt's time; the run's own log (warehouse/logs) keeps dbt's progress and results.
# Set DBT_LOG_LEVEL_FILE=debug to get it back.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")

meterline_dbt_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=Path("target"),
)
# Under `dagster dev` (make ui) the project is parsed on start, so edits show on reload.
meterline_dbt_project.prepare_if_dev()


DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")

# The builds write no JSON artifacts: the billing run reads each node's outcome from the events
# it streams (dbt_assets.node_status), the close's and dunning's partial builds succeed by dbt's
# exit code. Written, they cost every build manifest.json twice and run_results.json (4.5 and
# 1.2 MB for the demo month), about 1 s of a billing run's dbt step. (`dbt parse` below does
# write target/manifest.json: the assets are built from it.)
WITHOUT_ARTIFACTS = ["--no-write-json"]


def _manifest_is_current() -> bool:
    manifest = meterline_dbt_project.manifest_path
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for name in DBT_SOURCES:
        root = PROJECT_DIR / name
        paths = [root] if root.is_file() else root.rglob("*")
        if any(path.stat().st_mtime > built for path in paths if path.is_file()):
            return False
    return True


def prepare_dbt_project() -> None:
    """Write target/manifest.json (the assets are built from it) unless it is newer than every dbt file."""
    if _manifest_is_current():
        return
    parse_project(PROJECT_DIR)
