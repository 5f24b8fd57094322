"""exports/<period>/report.html: the finance report, one file with inline CSS and SVG charts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from orchestration.exports.report.charts import bar_chart, line_chart
from orchestration.exports.report.content import missing_marts, report_figures

TEMPLATES = Path(__file__).parent / "templates"
# rpt_aged_receivables' buckets, in the order they age.
AGEING_BUCKETS = (
    ("current", "current_amount"),
    ("1-30 days", "past_due_1_30_amount"),
    ("31-60 days", "past_due_31_60_amount"),
    ("61-90 days", "past_due_61_90_amount"),
    ("over 90 days", "past_due_over_90_amount"),
)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _charts(period: str, figures: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    charts: dict[str, str] = {}
    revenue = figures["rpt_finance__revenue_by_customer"]
    current = [row for row in revenue if row["billing_period"] == period]
    # One chart per currency: amounts in different currencies never share an axis.
    for currency in sorted({row["currency_code"] for row in current}):
        rows = [row for row in current if row["currency_code"] == currency]
        charts[f"revenue-{currency}"] = bar_chart(
            f"revenue-{currency}",
            f"Net revenue per customer ({currency})",
            [row["customer_id"] for row in rows],
            [("net", [_decimal(row["net_amount"]) for row in rows])],
            horizontal=True,
        )
    periods = sorted({row["billing_period"] for row in revenue})
    if len(periods) > 1:
        by_currency: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for row in revenue:
            totals = by_currency[row["currency_code"]]
            totals[row["billing_period"]] = totals.get(row["billing_period"], Decimal(0)) + Decimal(
                row["net_amount"]
            )
        charts["revenue-trend"] = line_chart(
            "revenue-trend",
            "Net revenue per currency, month over month",
            periods,
            [
                (currency, [totals.get(p) for p in periods])
                for currency, totals in sorted(by_currency.items())
            ],
        )
    variance = figures["rpt_finance__vendor_variance"]
    vendors = sorted({f"{row['vendor_id']} ({row['currency_code']})" for row in variance})
    classes = sorted({row["reconciliation_class"] for row in variance})
    if variance:
        cells = {
            (f"{row['vendor_id']} ({row['currency_code']})", row["reconciliation_class"]): Decimal(
                row["absolute_variance_amount"]
            )
            for row in variance
        }
        charts["variance"] = bar_chart(
            "variance",
            "Vendor variance |billed - expected| by vendor and class",
            vendors,
            [(name, [cells.get((vendor, name)) for vendor in vendors]) for name in classes],
            horizontal=True,
            stacked=True,
        )
    exceptions = figures["rpt_finance__exceptions_by_reason"]
    if exceptions:
        counts: dict[str, list[int]] = {}
        for row in exceptions:
            buckets = counts.setdefault(row["reason_code"], [0, 0, 0])
            for index, column in enumerate(
                ("aged_0_7_days_count", "aged_8_30_days_count", "aged_over_30_days_count")
            ):
                buckets[index] += int(row[column])
        reasons = sorted(counts)
        charts["exceptions"] = bar_chart(
            "exceptions",
            "Exceptions by reason and age",
            reasons,
            [
                (label, [Decimal(counts[reason][index]) for reason in reasons])
                for index, label in enumerate(("0-7 days", "8-30 days", "over 30 days"))
            ],
            horizontal=True,
            stacked=True,
        )
    margin = figures["rpt_finance__margin_by_site"]
    if margin:
        sites = [f"{row['site_id']} ({row['margin_currency_code'] or '-'})" for row in margin]
        charts["margin"] = bar_chart(
            "margin",
            "Revenue, cost and margin per site",
            sites,
            [
                (name, [_decimal(row[column]) for row in margin])
                for name, column in (
                    ("revenue", "revenue_amount"),
                    ("cost", "cost_amount"),
                    ("margin", "margin_amount"),
                )
            ],
        )
    ageing = figures["rpt_aged_receivables"]
    # One chart per currency: who owes what, by how late.
    for currency in sorted({row["currency_code"] for row in ageing}):
        rows = [row for row in ageing if row["currency_code"] == currency]
        charts[f"ageing-{currency}"] = bar_chart(
            f"ageing-{currency}",
            f"Open receivables per customer and age ({currency})",
            [f"{row['customer_id']} ({row['issuing_entity_id']})" for row in rows],
            [(label, [_decimal(row[column]) for row in rows]) for label, column in AGEING_BUCKETS],
            horizontal=True,
            stacked=True,
        )
    kpis = figures["rpt_finance__period_kpis"]
    if len(kpis) > 1:
        charts["kpi-trend"] = line_chart(
            "kpi-trend",
            "Auto-reconciled share and exceptions per invoice",
            [row["billing_period"] for row in kpis],
            [
                ("auto-reconciled share", [_decimal(row["share_groups_auto_reconciled"]) for row in kpis]),
                ("exceptions per invoice", [_decimal(row["exceptions_per_invoice"]) for row in kpis]),
            ],
        )
    vendor_kpis = figures["rpt_reconciliation_kpis"]
    vendor_periods = sorted({row["billing_period"] for row in vendor_kpis})
    if len(vendor_periods) > 1:
        # A ratio of amounts in the vendor's own currency: vendors share one axis.
        ratios = {(row["vendor_id"], row["billing_period"]): row["matched_value_variance"] for row in vendor_kpis}
        charts["variance-trend"] = line_chart(
            "variance-trend",
            "Matched value variance per vendor, month over month",
            vendor_periods,
            [
                (vendor, [_decimal(ratios.get((vendor, p))) for p in vendor_periods])
                for vendor in sorted({row["vendor_id"] for row in vendor_kpis})
            ],
        )
    quality = figures["rpt_finance__document_kpis"]
    if len(quality) > 1:
        charts["quality-trend"] = line_chart(
            "quality-trend",
            "Auto-approval rate and batch accuracy",
            [row["billing_period"] for row in quality],
            [
                ("auto-approved share", [_decimal(row["share_auto_approved"]) for row in quality]),
                ("batch accuracy", [_decimal(row["batch_accuracy"]) for row in quality]),
            ],
        )
    return charts


def render_report(con: duckdb.DuckDBPyConnection, period: str, close: dict[str, object]) -> str:
    """The report of `period` as HTML, from the report marts and the close's summary."""
    figures = report_figures(con, period)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2").render(
        period=period,
        close=close,
        figures=figures,
        missing=missing_marts(con),
        charts=_charts(period, figures),
        stylesheet=(TEMPLATES / "report.css").read_text("utf-8"),
    )


def write_report(
    con: duckdb.DuckDBPyConnection, period: str, close: dict[str, object], folder: Path
) -> tuple[Path, int]:
    """report.html into `folder`; (path, number of charts)."""
    html = render_report(con, period, close)
    path = folder / "report.html"
    path.write_text(html, "utf-8")
    return path, html.count("<svg")
