"""The command line refuses mistakes before any work starts, in one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.cli import approval_rules, main


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
