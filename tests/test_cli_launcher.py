"""The tests' launcher of the command line gives what a new interpreter gives."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_launcher import run_cli, run_dbt
from tests.e2e_support import copy_project

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _interpreter(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["run", "--period", "2014-12"],  # an argument refused: exit code 2, one line on stderr
        ["run", "--period", "2026-10"],  # no landing folder: exit code 2 after the start-up
        ["verify"],  # no warehouse: nothing to verify, exit code 0
    ],
)
def test_exit_code_and_output_are_those_of_a_new_interpreter(args: list[str], tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MET_LANDING_DIR": str(tmp_path / "nowhere"),
        "MET_DUCKDB_PATH": str(tmp_path / "warehouse" / "meterline.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "PYTHONPATH": str(PROJECT_DIR),
    }
    launched = run_cli(args, env=env, cwd=PROJECT_DIR, timeout=300)
    expected = _interpreter(args, env, PROJECT_DIR)
    assert (launched.returncode, launched.stdout, launched.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )


def test_a_command_imports_meterline_from_its_own_pythonpath_and_reports_a_traceback(tmp_path: Path) -> None:
    # An edited copy of the project whose command line fails: the copy's code runs, not the
    # checkout's the test process imported, and the failure is a traceback with exit code 1.
    project = copy_project(PROJECT_DIR, tmp_path / "project")
    cli = project / "orchestration" / "cli.py"
    signature = "def main(argv: list[str] | None = None) -> int:\n"
    cli.write_text(cli.read_text().replace(signature, f"{signature}    raise RuntimeError('edited copy')\n"))
    env = {**os.environ, "PYTHONPATH": str(project), "TZ": "Asia/Jakarta"}
    launched = run_cli(["--version"], env=env, cwd=project, timeout=300)
    expected = _interpreter(["--version"], env, project)
    assert launched.returncode == expected.returncode == 1
    assert launched.stderr.splitlines()[-1] == expected.stderr.splitlines()[-1] == "RuntimeError: edited copy"
    assert "Traceback (most recent call last):" in launched.stderr


def test_a_command_sees_the_time_zone_of_its_environment(tmp_path: Path) -> None:
    script = tmp_path / "zone"
    script.mkdir()
    (script / "orchestration").mkdir()
    (script / "orchestration" / "__init__.py").write_text("")
    (script / "orchestration" / "cli.py").write_text("import time\nprint(time.tzname[0])\n")
    for zone, name in (("Asia/Jakarta", "WIB"), ("Europe/Oslo", "CET")):
        env = {**os.environ, "PYTHONPATH": str(script), "TZ": zone}
        assert run_cli([], env=env, cwd=script, timeout=60).stdout == f"{name}\n"


def test_dbt_gives_what_its_program_gives(tmp_path: Path) -> None:
    # A listing of the project's seeds (from its parsed state) and a refused selector.
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    outputs = []
    for args in (["ls", "--resource-type", "seed", "--output", "name", "-q"], ["ls", "--select", "nosuch:x"]):
        target = tmp_path / args[-1].replace(":", "_")
        target.mkdir()
        shutil.copy(PROJECT_DIR / "target" / "partial_parse.msgpack", target)
        common = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
        common += ["--target-path", str(target), "--log-path", str(target), "--no-write-json"]
        launched = run_dbt([*args, *common], env=env, cwd=PROJECT_DIR)
        program = subprocess.run(
            [str(Path(sys.executable).with_name("dbt")), *args, *common],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        assert launched.returncode == program.returncode
        assert _without_times(launched.stdout) == _without_times(program.stdout)
        outputs.append(launched)
    listed, refused = outputs
    assert listed.returncode == 0 and "units" in listed.stdout.split()
    assert refused.returncode == 2 and "nosuch" in refused.stdout


def _without_times(text: str) -> list[str]:
    """dbt's lines without their leading clock time and the run's timings."""
    return [
        re.sub(r"^\d\d:\d\d:\d\d\s+", "", re.sub(r"in \d+\.\d+ ?s", "in Xs", line))
        for line in text.splitlines()
    ]
