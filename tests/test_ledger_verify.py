"""Tamper evidence: `meterline verify` names every difference; ledger commands refuse to act."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.close.snapshot import content_sha256, seal
from orchestration.close.verify import LedgerTamperedError, ledger_problems, refuse_if_tampered, verify
from orchestration.exports.writer import write_exports
from orchestration.wiring.run_lock import writer_lock
from tests.ledger_support import copy_warehouse
from tests.test_close_exports import PERIOD, _ledger

NEXT = "2026-11"


def _sealed(con: duckdb.DuckDBPyConnection, close_id: str, period: str) -> None:
    """Record the close's real content hash, then seal it as `close_period` does."""
    content = content_sha256(con, period)
    con.execute("update ledger.closes set content_sha256 = ? where close_id = ?", [content, close_id])
    seal(con, close_id, period, content)


@pytest.fixture
def closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export_models_template: Path
) -> tuple[Path, Path]:
    """Two chained closes (2026-10 and a copy of it as 2026-11), both exported."""
    database, exports = copy_warehouse(export_models_template, tmp_path), tmp_path / "exports"
    with duckdb.connect(str(database)) as con:
        _ledger(con, fr_invoices=3)
        _sealed(con, "CLS-000001", PERIOD)
        con.execute(
            "insert into ledger.invoice_lines select replace(invoice_line_id, '-2026-', '-2026B-'), "
            "replace(invoice_number, '-2026-', '-2026B-'), * exclude (invoice_line_id, invoice_number) "
            "from ledger.invoice_lines"
        )
        con.execute(
            "insert into ledger.invoices select replace(invoice_number, '-2026-', '-2026B-'), document_type, "
            "?, issuing_entity_id, series_year, sequence_number + 100, * exclude (invoice_number, "
            "document_type, billing_period, issuing_entity_id, series_year, sequence_number) "
            "from ledger.invoices",
            [NEXT],
        )
        con.execute(
            "insert into ledger.closes select 'CLS-000002', ?, * exclude (close_id, billing_period) "
            "from ledger.closes",
            [NEXT],
        )
        _sealed(con, "CLS-000002", NEXT)
        write_exports(con, PERIOD, exports)
        write_exports(con, NEXT, exports)
    monkeypatch.setenv("MET_DUCKDB_PATH", str(database))
    monkeypatch.setenv("MET_EXPORTS_DIR", str(exports))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return database, exports


def test_an_untouched_ledger_and_its_exports_verify_clean(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify"]) == 0
    assert "match their recorded hashes" in capsys.readouterr().out


def test_an_updated_closed_amount_is_named_and_every_action_is_refused(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    database, exports = closed
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update ledger.invoice_lines set net_amount_minor = net_amount_minor + 100 "
            "where invoice_line_id = 'FR1-2026-000002:0001'"
        )
        problems = verify(con, exports)
        with pytest.raises(LedgerTamperedError, match="2026-10"):
            refuse_if_tampered(con)
    assert problems[0].startswith("2026-10 (CLS-000001): content hash")
    assert problems[1:] == ["2026-10 FR1-2026-000002 line FR1-2026-000002:0001: changed since the close"]
    assert main(["verify", "--period", NEXT]) == 0
    capsys.readouterr()
    assert main(["verify"]) == 1
    assert "FR1-2026-000002:0001: changed since the close" in capsys.readouterr().err
    manifest_before = (exports / PERIOD / "manifest.json").read_bytes()
    for command in (
        ["export", "--period", PERIOD],
        ["approve", "--period", PERIOD, "--by", "x"],
        ["adjust", "--period", PERIOD, "--reason", "late_usage", "--by", "x", "--why", "y"],
        ["void", "--invoice", "FR1-2026-000001", "--by", "x", "--why", "y"],
    ):
        assert main(command) == 1
        assert "the ledger no longer matches its closes" in capsys.readouterr().err
    # The tampered amounts never reached the exports.
    assert (exports / PERIOD / "manifest.json").read_bytes() == manifest_before


def test_a_deleted_document_and_a_deleted_close_are_caught(closed: tuple[Path, Path]) -> None:
    database, exports = closed
    with duckdb.connect(str(database)) as con:
        con.execute("delete from ledger.invoice_lines where invoice_number = 'FR1-2026B-000003'")
        con.execute("delete from ledger.invoices where invoice_number = 'FR1-2026B-000003'")
        assert "2026-11 FR1-2026B-000003: removed since the close" in ledger_problems(con)
        # A whole close removed with its documents, fingerprints and chain link.
        for table in ("invoice_lines", "invoices"):
            con.execute(f"delete from ledger.{table} where invoice_number like '%-2026-%'")
        con.execute("delete from ledger.close_fingerprints where close_id = 'CLS-000001'")
        con.execute("delete from ledger.close_chain where close_id = 'CLS-000001'")
        con.execute("delete from ledger.closes where close_id = 'CLS-000001'")
        problems = verify(con, exports)
    assert (
        "2026-11 (CLS-000002): the previous close's hash does not match "
        "(a close before it was removed or rewritten)" in problems
    )
    assert "exports/2026-10: exported from a close that is no longer in the ledger" in problems


def test_an_edited_or_removed_export_file_is_caught(closed: tuple[Path, Path]) -> None:
    database, exports = closed
    journal = exports / PERIOD / "journal" / "gl_journal.csv"
    journal.write_text(journal.read_text().replace("1", "2", 1))
    manifest = json.loads((exports / NEXT / "manifest.json").read_text())
    removed = next(f["file"] for f in manifest["files"] if f["file"].startswith("evidence/"))
    (exports / NEXT / removed).unlink()
    with duckdb.connect(str(database), read_only=True) as con:
        assert verify(con, exports) == [
            "exports/2026-10/journal/gl_journal.csv: edited since export",
            f"exports/2026-11/{removed}: missing",
        ]


def test_a_second_writer_refuses_with_one_line_naming_the_running_command(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    database, _ = closed
    with writer_lock(database, "run --period 2026-11"):
        assert main(["export", "--period", PERIOD]) == 1
        error = capsys.readouterr().err.strip()
    running = "`meterline run --period 2026-11` (pid "
    assert error.startswith(f"meterline export: the warehouse is in use by {running}")
    assert len(error.splitlines()) == 1
    # Released: the command runs (and verify still passes after the rewrite).
    assert main(["export", "--period", PERIOD]) == 0
    assert main(["verify"]) == 0


def test_a_closed_period_without_exports_or_with_exports_older_than_an_approval_is_named(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    database, exports = closed
    (exports / NEXT).unlink()
    with duckdb.connect(str(database)) as con:
        con.execute(
            "insert into ledger.approvals values ('APR-000001', 'FR1-2026-000001', 'Ola', '', "
            "now() + interval 1 hour)"
        )
        assert verify(con, exports) == [
            "exports/2026-10: older than its last approval; run `meterline export --period 2026-10`",
            "exports/2026-11: missing for a closed period; run `meterline export --period 2026-11`",
        ]
    # Any ledger command names the work left unfinished; export finishes it.
    assert main(["export", "--period", PERIOD]) == 0
    assert "unfinished: exports/2026-11: missing for a closed period" in capsys.readouterr().out
    assert main(["export", "--period", NEXT]) == 0
    capsys.readouterr()
    with duckdb.connect(str(database)) as con:
        con.execute("update ledger.approvals set approved_at = now() - interval 1 hour")
    assert main(["verify"]) == 0


ACTIONS = (
    ["approve", "--period", PERIOD, "--by", "x"],
    ["adjust", "--period", PERIOD, "--reason", "late_usage", "--by", "x", "--why", "y"],
    ["void", "--invoice", "FR1-2026-000001", "--by", "x", "--why", "y"],
)


def test_a_deleted_close_refuses_every_action(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    database, _ = closed
    with duckdb.connect(str(database)) as con:
        for table in ("invoice_lines", "invoices"):
            con.execute(f"delete from ledger.{table} where invoice_number like '%-2026-%'")
        for table in ("close_fingerprints", "close_chain", "closes"):
            con.execute(f"delete from ledger.{table} where close_id = 'CLS-000001'")
    assert main(["verify"]) == 1
    assert "a close before it was removed or rewritten" in capsys.readouterr().err
    for command in (*ACTIONS, ["export", "--period", NEXT]):
        assert main(command) == 1
        assert "the ledger no longer matches its closes" in capsys.readouterr().err


def test_an_edited_export_refuses_every_action_but_the_export_that_restores_it(
    closed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, exports = closed
    journal = exports / PERIOD / "journal" / "gl_journal.csv"
    original = journal.read_bytes()
    journal.write_bytes(original.replace(b"1", b"2", 1))
    assert main(["verify"]) == 1
    assert "exports/2026-10/journal/gl_journal.csv: edited since export" in capsys.readouterr().err
    for command in (*ACTIONS, ["export", "--period", NEXT]):
        assert main(command) == 1
        error = capsys.readouterr().err
        assert (
            "exported files no longer match their manifest (exports/2026-10/journal/gl_journal.csv" in error
        )
        assert error.rstrip().endswith("`meterline export --period 2026-10` rewrites them from the ledger")
    # Exporting the period is the repair: its files are rewritten from the verified ledger.
    assert main(["export", "--period", PERIOD]) == 0
    out = capsys.readouterr().out
    assert "restored from the ledger: exports/2026-10/journal/gl_journal.csv: edited since export" in out
    assert journal.read_bytes() == original
    assert main(["verify"]) == 0
