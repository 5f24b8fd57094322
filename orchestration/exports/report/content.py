"""The finance report's figures, read from the rpt_finance__* marts (the same a BI tool reads).

Each mart keeps every period side by side; the report of a period shows that period and,
for month over month, the periods before it. Amounts are read as text so that they reach
the page exactly as the mart holds them.
"""

from __future__ import annotations

from typing import Any

import duckdb

MARTS_SCHEMA = "marts"

# Mart -> its columns in display order, and whether the report shows earlier periods too.
REPORT_MARTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "rpt_finance__revenue_by_customer": (
        (
            "billing_period",
            "customer_id",
            "customer_name",
            "currency_code",
            "invoice_count",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ),
        True,
    ),
    "rpt_finance__vendor_variance": (
        (
            "billing_period",
            "vendor_id",
            "reconciliation_class",
            "currency_code",
            "reconciliation_groups",
            "billed_amount",
            "expected_amount",
            "variance_amount",
            "absolute_variance_amount",
        ),
        False,
    ),
    "rpt_finance__exceptions_by_reason": (
        (
            "billing_period",
            "reason_code",
            "currency_code",
            "exception_count",
            "open_exception_count",
            "aged_0_7_days_count",
            "aged_8_30_days_count",
            "aged_over_30_days_count",
            "oldest_age_days",
            "amount_at_risk",
            "open_amount_at_risk",
        ),
        False,
    ),
    "rpt_finance__margin_by_site": (
        (
            "billing_period",
            "site_id",
            "margin_currency_code",
            "margin_line_count",
            "unconverted_line_count",
            "revenue_amount",
            "cost_amount",
            "margin_amount",
        ),
        False,
    ),
    "rpt_finance__period_kpis": (
        (
            "billing_period",
            "invoice_count",
            "exception_count",
            "open_exception_count",
            "exceptions_per_invoice",
            "reconciliation_groups",
            "share_groups_auto_reconciled",
            "disputed_items",
            "raw_rows",
            "rows_kept_out",
            "share_rows_kept_out",
        ),
        True,
    ),
    "rpt_reconciliation_kpis": (
        (
            "billing_period",
            "vendor_id",
            "currency_code",
            "matched_value_variance",
            "share_value_auto_reconciled",
            "disputed_items",
        ),
        True,
    ),
    "rpt_finance__document_kpis": (
        (
            "billing_period",
            "invoice_count",
            "auto_approved_count",
            "share_auto_approved",
            "corrected_invoice_count",
            "batch_accuracy",
        ),
        True,
    ),
    "rpt_finance__corrections": (
        (
            "billing_period",
            "currency_code",
            "debit_note_count",
            "credit_note_count",
            "recovered_net_amount",
            "credited_net_amount",
        ),
        True,
    ),
    "rpt_aged_receivables": (
        (
            "billing_period",
            "as_of_date",
            "issuing_entity_id",
            "currency_code",
            "customer_id",
            "open_document_count",
            "current_amount",
            "past_due_1_30_amount",
            "past_due_31_60_amount",
            "past_due_61_90_amount",
            "past_due_over_90_amount",
            "open_amount",
        ),
        False,
    ),
    "rpt_collections_kpis": (
        (
            "billing_period",
            "issuing_entity_id",
            "currency_code",
            "expected_amount",
            "collected_amount",
            "customer_credit_count",
            "auto_matched_count",
            "auto_matched_share",
            "days_sales_outstanding",
        ),
        True,
    ),
}


def missing_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Report marts the warehouse has not built (a ledger restored or written without a dbt run)."""
    built = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()
    }
    return [mart for mart in REPORT_MARTS if mart not in built]


def report_figures(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of every report mart for `period` (and earlier periods where month over month applies);
    a mart not built gives no rows, and the report says so rather than failing the exports."""
    figures: dict[str, list[dict[str, Any]]] = {}
    missing = missing_marts(con)
    for mart, (columns, with_history) in REPORT_MARTS.items():
        if mart in missing:
            figures[mart] = []
            continue
        # Every column as text, in a stable order: the page shows the mart's exact values.
        selected = ", ".join(f"cast({column} as varchar) as {column}" for column in columns)
        scope = "billing_period <= ?" if with_history else "billing_period = ?"
        cursor = con.execute(
            f"select {selected} from {MARTS_SCHEMA}.{mart} where {scope} "
            f"order by {', '.join(f'{column} nulls first' for column in columns)}",
            [period],
        )
        figures[mart] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return figures
