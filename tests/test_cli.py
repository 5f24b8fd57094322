"""The command line refuses mistakes before any work starts, in one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.cli import approval_rules, main
from tests.e2e_support import DemoMonth


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--period", "2026-13"],
        ["demo", "generate", "--period", "2026-13"],
        ["close", "--period", "26-10", "--by", "x"],
        ["export", "--period", "2026-1"],
        ["adjust", "--period", "2026-10", "--by", "x"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("meterline ") and error.count("\n") == 1, error


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("meterline 0.")


def test_a_missing_landing_folder_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MET_LANDING_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("MET_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    assert main(["run", "--period", "2026-10"]) == 2
    assert "no landing folder" in capsys.readouterr().err
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_approval_rules_come_from_the_policy_seed() -> None:
    assert {"first_invoice", "high_value", "estimated_usage", "manual_adjustment"} <= approval_rules()


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("2026-13", "not a YYYY-MM period"),
        ("2014-12", "before the first billing period 2015-01"),
        ("2999-01", "has not started yet"),
    ],
)
def test_a_period_outside_the_range_is_a_one_line_error(
    demo_month: DemoMonth, argument: str, message: str
) -> None:
    done = demo_month.deployment.meterline("run", "--period", argument)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
