"""The report finance reads after a close, an approval or a correction."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.close.approval import APPROVAL_STATES
from orchestration.summary import format_table
from orchestration.wiring.money import decimal_text


def period_report(con: duckdb.DuckDBPyConnection, period: str, exports_dir: Path) -> str:
    """The close record, every document of the period with its approval state, and the exports."""
    close = con.execute(
        """
        select close_id, cast(closed_at as varchar), closed_by, run_id, code_version, content_sha256,
            waiver_count
        from ledger.closes where billing_period = ?
        """,
        [period],
    ).fetchone()
    parts = [f"meterline period {period}: " + ("CLOSED" if close else "open")]
    if close:
        parts.append(
            f"  close {close[0]} at {close[1]} by {close[2]}, run {close[3]}, code {close[4]}\n"
            f"  content sha256 {close[5]}; waived exceptions: {close[6]}"
        )
    documents = con.execute(
        f"""
        select i.invoice_number, i.document_type, i.customer_id, i.currency_code,
            i.gross_amount_minor, i.minor_units, s.approval_status, s.approval_reasons,
            coalesce(i.original_invoice_number, '')
        from ledger.invoices as i inner join {APPROVAL_STATES} as s using (invoice_number)
        where i.billing_period = ? order by i.invoice_number
        """,
        [period],
    ).fetchall()
    rows = [
        (number, kind, customer, currency, decimal_text(gross, units), status, reasons, original)
        for number, kind, customer, currency, gross, units, status, reasons, original in documents
    ]
    parts.append("  Documents:")
    parts.append(
        format_table(
            rows, ("number", "type", "customer", "currency", "gross", "approval", "hold reasons", "fixes")
        )
    )
    held = [row for row in rows if row[5] == "held"]
    if held:
        parts.append(
            f"  Held (not exported until approved): {len(held)}; approve with "
            "`meterline approve --invoice <number> --by NAME`"
        )
    folder = exports_dir / period
    if close and (folder / "manifest.json").exists():
        parts.append(f"  Exports: {folder}")
        parts.extend(
            f"    {path.relative_to(folder).as_posix()}"
            for path in sorted(folder.rglob("*"))
            if path.is_file() and "evidence" not in path.parts
        )
        parts.append(f"    evidence/ ({len(list((folder / 'evidence').glob('*.json')))} packets)")
    return "\n".join(parts)
