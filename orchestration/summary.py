"""The short report a person reads after a monthly billing run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from orchestration.wiring.warehouse_connect import connect

# Steps whose failure leaves the marts as an earlier run left them (ingest, dbt build).
MART_BUILDING_STEPS = {"landing_files", "meterline_dbt_models"}


def format_table(rows: Sequence[tuple[object, ...]], headers: tuple[str, ...]) -> str:
    cells = [headers, *[tuple("" if v is None else str(v) for v in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in cells]
    return "\n".join("    " + line.rstrip() for line in lines)


def usage_line_count(duckdb_path: Path, period: str) -> int:
    """Draft invoice lines of the period that bill usage (not commitments or fees alone)."""
    with connect(duckdb_path, read_only=True) as con:
        row = con.execute(
            "select count(*) from marts.fct_invoice_lines where billing_period = ? and usage_line_count > 0",
            [period],
        ).fetchone()
    return int(row[0]) if row else 0


def _figures(duckdb_path: Path, period: str) -> list[str]:
    """Draft invoice totals per customer and exceptions by reason, from the marts."""
    parts: list[str] = []
    with connect(duckdb_path, read_only=True) as con:
        invoices = con.execute(
            """
            select customer_id, currency_code, line_count, net_amount, tax_amount, gross_amount
            from marts.fct_invoices where billing_period = ? order by customer_id
            """,
            [period],
        ).fetchall()
        exceptions = con.execute(
            """
            select reason_code, severity, count(*) as exceptions, currency_code,
                sum(amount_at_risk) as amount_at_risk
            from marts.fct_billing_exceptions where billing_period = ?
            group by reason_code, severity, currency_code
            order by reason_code, currency_code nulls first
            """,
            [period],
        ).fetchall()
        # Landing rows (usage and vendor bills, not reference data) that fall in the month.
        landed = con.execute(
            "select coalesce(sum(canonical_rows), 0) from marts.rpt_row_conservation "
            "where billing_period = ? and source_kind not like 'reference%'",
            [period],
        ).fetchone()
    if not invoices:
        parts.append(
            f"  No landing data for {period}: no usage or vendor billing row falls in the month"
            if not (landed and landed[0])
            else f"  No draft invoice for {period}: {landed[0]} landing rows fall in the month, none billable"
        )
    parts.append("  Invoices (draft):")
    parts.append(format_table(invoices, ("customer", "currency", "lines", "net", "tax", "gross")))
    parts.append("  Exceptions by reason:")
    parts.append(format_table(exceptions, ("reason", "severity", "count", "currency", "amount at risk")))
    return parts


def billing_summary(
    duckdb_path: Path,
    period: str,
    gates: dict[str, tuple[bool, str]],
    export_dir: Path | None,
    failed_steps: dict[str, str],
    ready_to_close: bool = False,
) -> str:
    """Invoice totals per customer, exceptions by reason, gate results and export paths."""
    parts = [f"meterline monthly billing, period {period}"]
    if MART_BUILDING_STEPS & failed_steps.keys():
        # The marts still hold an earlier run's figures (or none): printing them would mislead.
        parts.append("  Invoices and exceptions: not shown, the run failed (see Failed steps)")
    else:
        parts.extend(_figures(duckdb_path, period))
    parts.append("  Gates:")
    parts.append(
        format_table(
            [(name, "passed" if ok else "FAILED", detail) for name, (ok, detail) in sorted(gates.items())],
            ("gate", "result", "detail"),
        )
    )
    if failed_steps:
        parts.append("  Failed steps:")
        parts.append(format_table(sorted(failed_steps.items()), ("step", "error")))
    if export_dir is not None:
        parts.append(f"  Exports: {export_dir}")
        parts.extend(f"    {path}" for path in sorted(export_dir.iterdir()))
    elif ready_to_close:
        parts.append(f"  Exports: written when the period closes: meterline close --period {period}")
    else:
        parts.append("  Exports: none written (a gate or an earlier step failed)")
    return "\n".join(parts)
