"""Finance exports of a closed period, written from the frozen ledger with a hash manifest.

exports/<period>/
  xero/<org>/sales_invoices_NNN.csv   Xero sales-invoice import (invoices, debit notes), at most 500 per file
  xero/<org>/credit_notes_NNN.csv     Xero credit-note import, positive amounts, at most 500 per file
  quickbooks/<org>/invoices.csv       QuickBooks Online invoice import (invoices, debit notes)
  quickbooks/<org>/credit_notes.csv   QuickBooks Online credit-note import, positive amounts
  journal/gl_journal.csv              one balanced journal per document (receivable = revenue + tax)
  invoices.{parquet,json}, invoice_lines.{parquet,json}
  evidence/<invoice number>.json      per-document packet to rebuild every line
  documents/<invoice number>.{html,pdf}  the customer's document, in the customer's language
  report.html                         the finance report (rpt_finance__* marts), charts inline
  focus/focus_costs.{parquet,csv}     the period's vendor costs as FOCUS 1.2, frozen at close
  manifest.json                       SHA-256 of every file, the close's content hash, held documents

Only a closed period is exported, and only its approved documents (held ones are listed in
the manifest). Files are written into a new folder that `exports/<period>` (a link) points to
when complete; the same ledger state always gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from orchestration.close.approval import held_documents
from orchestration.close.ledger import is_closed
from orchestration.exports import swap
from orchestration.exports.documents.content import document_contents
from orchestration.exports.documents.render import write_documents
from orchestration.exports.focus import write_focus
from orchestration.exports.layouts import (
    QBO_COLUMNS,
    QBO_CREDIT_NOTE_COLUMNS,
    XERO_COLUMNS,
    XERO_CREDIT_NOTE_COLUMNS,
    XERO_MAX_INVOICES_PER_FILE,
    layout_select,
)
from orchestration.exports.report.render import write_report
from orchestration.exports.views import create_export_views
from orchestration.wiring.sql_files import sql_file


class PeriodNotClosedError(RuntimeError):
    """Exports are written only from a closed, gated period."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({query}) to '{path}' (format csv, header true, quote '\"')")
    row = con.execute(f"select count(*) from ({query})").fetchone()
    return int(row[0]) if row else 0


# Credit notes go into each system's credit-note import, every other document into its invoice import.
IS_CREDIT_NOTE = "d.document_type = 'credit_note'"


def _xero_files(
    con: duckdb.DuckDBPyConnection, folder: Path, org: str, date_format: str, *, credit_notes: bool
) -> list[tuple[Path, int]]:
    """Xero files of one organisation and kind, at most XERO_MAX_INVOICES_PER_FILE documents each."""
    kind = IS_CREDIT_NOTE if credit_notes else f"not {IS_CREDIT_NOTE}"
    name, columns = (
        ("credit_notes", XERO_CREDIT_NOTE_COLUMNS) if credit_notes else ("sales_invoices", XERO_COLUMNS)
    )
    ranked = (
        f"select invoice_number, (dense_rank() over (order by invoice_number) - 1) "
        f"// {XERO_MAX_INVOICES_PER_FILE} + 1 as chunk from export_documents as d "
        f"where d.accounting_org_id = '{org}' and {kind}"
    )
    written = []
    for (chunk,) in con.execute(f"select distinct chunk from ({ranked}) order by chunk").fetchall():
        where = (
            f"d.accounting_org_id = '{org}' and d.invoice_number in "
            f"(select invoice_number from ({ranked}) where chunk = {chunk})"
        )
        path = folder / f"{name}_{chunk:03d}.csv"
        written.append((path, _copy_csv(con, layout_select(columns, where, date_format), path)))
    return written


def _write_accounting_files(con: duckdb.DuckDBPyConnection, staging: Path) -> list[tuple[Path, int]]:
    written = []
    orgs = con.execute(
        "select distinct accounting_org_id, accounting_system, date_format from export_documents order by 1"
    ).fetchall()
    for org, system, date_format in orgs:
        if system == "xero":
            for credit_notes in (False, True):
                written.extend(
                    _xero_files(con, staging / "xero" / org, org, date_format, credit_notes=credit_notes)
                )
        elif system == "quickbooks_online":
            for name, columns, kind in (
                ("invoices", QBO_COLUMNS, f"not {IS_CREDIT_NOTE}"),
                ("credit_notes", QBO_CREDIT_NOTE_COLUMNS, IS_CREDIT_NOTE),
            ):
                where = f"d.accounting_org_id = '{org}' and {kind}"
                if con.execute(f"select count(*) from export_documents as d where {where}").fetchone() != (
                    0,
                ):
                    path = staging / "quickbooks" / org / f"{name}.csv"
                    written.append((path, _copy_csv(con, layout_select(columns, where, date_format), path)))
        else:
            raise ValueError(f"accounting org {org}: unknown accounting_system {system!r}")
    return written


JOURNAL_QUERY = sql_file(__file__, "journal")

INVOICES_QUERY = sql_file(__file__, "invoices")

LINES_QUERY = sql_file(__file__, "invoice_lines")

EVIDENCE_QUERY = sql_file(__file__, "evidence_packets")


def _write_evidence(con: duckdb.DuckDBPyConnection, staging: Path) -> list[tuple[Path, int]]:
    folder = staging / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, packet in con.execute(EVIDENCE_QUERY).fetchall():
        document = json.loads(packet)
        for line in document["lines"] or []:
            canonical = json.dumps(line, sort_keys=True, separators=(",", ":"))
            line["line_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
        path = folder / f"{number}.json"
        path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
        written.append((path, len(document["lines"] or [])))
    return written


def _close_summary(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, object]:
    row = con.execute(
        """
        select close_id, content_sha256, code_version, dbt_project_sha256, rate_card_versions, gate_results,
            waiver_count
        from ledger.closes where billing_period = ?
        """,
        [period],
    ).fetchone()
    assert row is not None
    return {
        "close_id": row[0],
        "content_sha256": row[1],
        "code_version": row[2],
        "dbt_project_sha256": row[3],
        "rate_card_versions": json.loads(row[4]),
        "gates_passed": sorted(name for name, result in json.loads(row[5]).items() if result["passed"]),
        "waived_exceptions": row[6],
    }


def _report(
    con: duckdb.DuckDBPyConnection, period: str, close: dict[str, object], staging: Path, current: Path
) -> tuple[Path, int]:
    """The finance report of a close, written once, at the close's first export.

    The report reads the live rpt_finance__* marts, which a later run of the closed period
    (late usage becoming adjustments) replaces; re-exporting the same close therefore keeps
    the report it first wrote, so a closed period's files stay byte-identical.
    """
    previous, manifest = current / "report.html", current / "manifest.json"
    if previous.is_file() and manifest.is_file():
        if json.loads(manifest.read_text("utf-8")).get("content_sha256") == close["content_sha256"]:
            html = previous.read_text("utf-8")
            path = staging / "report.html"
            path.write_text(html, "utf-8")
            return path, html.count("<svg")
    return write_report(con, period, close, staging)


def write_exports(
    con: duckdb.DuckDBPyConnection, period: str, exports_dir: Path, *, documents: bool = True
) -> dict[str, object]:
    """Write every export of the closed `period` and manifest.json; return the manifest.

    `documents=False` leaves out the customer documents (HTML and PDF, the slow part), for a
    check of the accounting files alone; a period's published exports always carry them.
    """
    if not is_closed(con, period):
        raise PeriodNotClosedError(
            f"period {period} is not closed: exports are written only by `meterline close --period {period}`"
        )
    create_export_views(con, period)
    staging = swap.staging_folder(exports_dir, period)
    written = _write_accounting_files(con, staging)
    written.append(
        (
            staging / "journal" / "gl_journal.csv",
            _copy_csv(con, JOURNAL_QUERY, staging / "journal" / "gl_journal.csv"),
        )
    )
    for name, query in (("invoices", INVOICES_QUERY), ("invoice_lines", LINES_QUERY)):
        rows = con.execute(f"select count(*) from ({query})").fetchone()
        count = int(rows[0]) if rows else 0
        con.execute(f"copy ({query}) to '{staging / f'{name}.parquet'}' (format parquet, compression zstd)")
        con.execute(f"copy ({query}) to '{staging / f'{name}.json'}' (format json, array true)")
        written.extend([(staging / f"{name}.parquet", count), (staging / f"{name}.json", count)])
    written.extend(_write_evidence(con, staging))
    if documents:
        written.extend(write_documents(document_contents(con, period), staging / "documents"))
    close = _close_summary(con, period)
    written.append(_report(con, period, close, staging, exports_dir / period))
    written.extend(write_focus(con, period, staging))
    exported = con.execute("select count(*) from export_documents").fetchone()
    manifest = {
        "billing_period": period,
        "status": "closed",
        **close,
        "exported_documents": int(exported[0]) if exported else 0,
        "held_documents": [
            {"invoice_number": n, "customer_id": c, "reasons": r.split(",")}
            for n, c, r in held_documents(con, period)
        ],
        "files": sorted(
            (
                {"file": path.relative_to(staging).as_posix(), "rows": rows, "sha256": _sha256(path)}
                for path, rows in written
            ),
            key=lambda f: str(f["file"]),
        ),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    swap.publish(exports_dir, period, staging)
    return manifest
