"""Close a period: freeze its draft invoices into the ledger with numbers, evidence and hashes.

Closing is all-or-nothing (one transaction) and idempotent: closing a closed period changes
nothing and reports the existing close. The content hash is the SHA-256 of a canonical JSON
serialisation of the period's frozen documents and lines (ordered, without timestamps or
actors), so the same drafts always hash the same, whoever closes them and when.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.close.approval import approval_reasons_sql
from orchestration.close.focus_costs import freeze_focus_costs
from orchestration.close.ledger import audit, ensure_open, is_closed, next_id, now
from orchestration.close.rating_versions import record_used_versions
from orchestration.close.readiness import Readiness
from orchestration.close.reference import load_close_reference
from orchestration.receivables.payment_references import issue_missing
from orchestration.wiring.periods import period_bounds
from orchestration.wiring.settings import PROJECT_DIR
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction

DBT_PROJECT_PATHS = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt")
INVOICE_COLUMNS = """invoice_number, document_type, billing_period, issuing_entity_id, series_year,
    sequence_number, draft_invoice_id, customer_id, customer_name, country_code, language_code,
    currency_code, minor_units, net_amount_minor, tax_amount_minor, gross_amount_minor, issue_date,
    due_date, original_invoice_number, related_invoice_number, reason_code, reason_text, approval_reasons"""
LINE_COLUMNS = """invoice_line_id, invoice_number, line_number, draft_invoice_line_id, line_type, sku_id,
    price_list_id, price_list_version, pricing_unit, base_unit, base_units_per_pricing_unit,
    quantity_base, quantity, unit_price, net_amount_minor, tax_rate, tax_amount_minor, tax_rule_id,
    tax_treatment, legal_mention_code, is_estimated, usage_line_count, original_invoice_line_id,
    adjustment_reason_code"""


# The chain's first link has no previous close.
CHAIN_ROOT = "0" * 64

FINGERPRINTS_SQL = sql_file(__file__, "fingerprints").format(
    invoice_columns=INVOICE_COLUMNS, line_columns=LINE_COLUMNS
)


class CloseRefusedError(RuntimeError):
    def __init__(self, period: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"period {period} cannot close:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class CloseRecord:
    close_id: str
    billing_period: str
    closed_at: str
    closed_by: str
    run_id: str
    code_version: str
    content_sha256: str
    document_count: int
    already_closed: bool


def issue_dates(period: str, terms_days: int) -> tuple[date, date]:
    """Invoices of a period are dated the first day after it; due after the entity's terms."""
    issued = period_bounds(period)[1].date()
    return issued, issued + timedelta(days=terms_days)


def code_version() -> tuple[str, str]:
    """`git describe` (or the package version) and the SHA-256 of the dbt project's files."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        described = f"meterline {version('meterline')}"
    digest = hashlib.sha256()
    for root in DBT_PROJECT_PATHS:
        base = PROJECT_DIR / root
        for path in sorted([base] if base.is_file() else base.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(PROJECT_DIR).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return described, digest.hexdigest()


def content_sha256(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """SHA-256 of the canonical JSON of the period's frozen documents and lines."""
    documents = con.execute(
        f"select {INVOICE_COLUMNS} from ledger.invoices where billing_period = ? order by invoice_number",
        [period],
    )
    names = [d[0] for d in documents.description]
    payload: dict[str, list[dict[str, object]]] = {
        "invoices": [dict(zip(names, row, strict=True)) for row in documents.fetchall()]
    }
    lines = con.execute(
        f"""
        select {LINE_COLUMNS} from ledger.invoice_lines
        where invoice_number in (select invoice_number from ledger.invoices where billing_period = ?)
        order by invoice_line_id
        """,
        [period],
    )
    names = [d[0] for d in lines.description]
    payload["invoice_lines"] = [dict(zip(names, row, strict=True)) for row in lines.fetchall()]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def existing_close(con: duckdb.DuckDBPyConnection, period: str) -> CloseRecord | None:
    row = con.execute(
        """
        select close_id, billing_period, cast(closed_at as varchar), closed_by, run_id, code_version,
            content_sha256, document_count
        from ledger.closes where billing_period = ?
        """,
        [period],
    ).fetchone()
    if row is None:
        return None
    close_id, billing_period, closed_at, closed_by, run_id, code_version, content, documents = row
    return CloseRecord(
        close_id, billing_period, closed_at, closed_by, run_id, code_version, content, documents, True
    )


def _stage_drafts(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Temp tables close_draft_invoices / close_draft_lines: the marts plus entity and numbers."""
    parameters = {"period": period, "year": int(period[:4])}
    con.execute(sql_file(__file__, "draft_lines"), {"period": period})
    con.execute(sql_file(__file__, "draft_invoices"), parameters)
    missing = con.execute(
        "select count(*) from marts.fct_invoices where billing_period = ? "
        "and invoice_id not in (select invoice_id from close_draft_invoices)",
        [period],
    ).fetchone()
    if missing and missing[0]:
        raise ValueError(f"{missing[0]} draft invoice(s) of {period} have no issuing entity or no lines")


def _freeze(con: duckdb.DuckDBPyConnection, period: str, closed_by: str) -> None:
    issued_at = now()
    con.execute(
        sql_file(__file__, "freeze_invoices").format(
            approval_reasons=approval_reasons_sql("close_draft_invoices")
        ),
        {
            "period": period,
            "year": int(period[:4]),
            "issue_date": issue_dates(period, 0)[0],
            "closed_by": closed_by,
            "issued_at": issued_at,
        },
    )
    con.execute(sql_file(__file__, "freeze_invoice_lines"), {"period": period})
    issue_missing(con, issued_at)
    con.execute(sql_file(__file__, "freeze_evidence"), {"period": period})


def chain_link(previous: str, close_id: str, period: str, content: str) -> str:
    return hashlib.sha256(f"{previous}|{close_id}|{period}|{content}".encode()).hexdigest()


def seal(con: duckdb.DuckDBPyConnection, close_id: str, period: str, content: str) -> None:
    """Record the close's fingerprints and chain link (inside the close's transaction)."""
    con.execute(
        sql_file(__file__, "close_fingerprints").format(fingerprints=FINGERPRINTS_SQL),
        {"close_id": close_id, "period": period},
    )
    last = con.execute(
        "select chain_sha256 from ledger.close_chain where close_id < ? order by close_id desc limit 1",
        [close_id],
    ).fetchone()
    previous = last[0] if last else CHAIN_ROOT
    con.execute(
        "insert into ledger.close_chain values (?, ?, ?, ?)",
        [close_id, period, previous, chain_link(previous, close_id, period, content)],
    )


def rate_card_versions(con: duckdb.DuckDBPyConnection, period: str) -> list[dict[str, object]]:
    rows = con.execute(
        """
        select distinct l.price_list_id, l.price_list_version
        from ledger.invoice_lines as l inner join ledger.invoices as i on l.invoice_number = i.invoice_number
        where i.billing_period = ? and l.price_list_id is not null
        order by 1, 2
        """,
        [period],
    ).fetchall()
    return [{"price_list_id": p, "price_list_version": v} for p, v in rows]


def close_period(
    con: duckdb.DuckDBPyConnection, period: str, readiness: Readiness, closed_by: str, run_id: str
) -> CloseRecord:
    """Close `period` if it is ready; a second close is a no-op that returns the first."""
    found = existing_close(con, period)
    if found:
        return found
    if not readiness.ready:
        raise CloseRefusedError(period, readiness.problems())
    load_close_reference(con)
    version, dbt_sha = code_version()
    with transaction(con):
        ensure_open(con, period)
        _stage_drafts(con, period)
        _freeze(con, period, closed_by)
        content = content_sha256(con, period)
        count = con.execute(
            "select count(*) from ledger.invoices where billing_period = ?", [period]
        ).fetchone()
        close_id = next_id(con, "closes", "CLS")
        con.execute(
            "insert into ledger.closes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                close_id,
                period,
                now(),
                closed_by,
                run_id,
                version,
                dbt_sha,
                content,
                json.dumps(rate_card_versions(con, period)),
                json.dumps(
                    {k: {"passed": ok, "detail": d} for k, (ok, d) in sorted(readiness.gates.items())}
                ),
                int(count[0]) if count else 0,
                readiness.waived,
            ],
        )
        record_used_versions(con, period, close_id)
        freeze_focus_costs(con, period, close_id)
        seal(con, close_id, period, content)
        audit(
            con,
            closed_by,
            "close",
            period,
            close_id,
            {"run_id": run_id, "content_sha256": content, "code_version": version},
        )
    record = existing_close(con, period)
    assert record is not None
    return CloseRecord(**{**record.__dict__, "already_closed": False})


def snapshot_matches(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    """The frozen documents still hash to the close's recorded content hash."""
    record = existing_close(con, period)
    return record is not None and content_sha256(con, period) == record.content_sha256


def is_period_closed(duckdb_path: Path, period: str) -> bool:
    if not duckdb_path.exists():
        return False
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        try:
            return is_closed(con, period)
        except duckdb.CatalogException:
            return False
