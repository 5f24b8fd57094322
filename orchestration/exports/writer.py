"""Finance exports of a closed period, written from the frozen ledger with a hash manifest.

exports/<period>/
  xero/<org>/sales_invoices_NNN.csv   Xero sales-invoice import, at most 500 invoices per file
  quickbooks/<org>/invoices.csv       QuickBooks Online invoice import
  journal/gl_journal.csv              one balanced journal per document (receivable = revenue + tax)
  invoices.{parquet,json}, invoice_lines.{parquet,json}
  evidence/<invoice number>.json      per-document packet to rebuild every line
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
from orchestration.close.reference import load_close_reference
from orchestration.exports import swap
from orchestration.exports.focus import write_focus
from orchestration.exports.layouts import (
    QBO_COLUMNS,
    XERO_COLUMNS,
    XERO_MAX_INVOICES_PER_FILE,
    layout_select,
)
from orchestration.exports.views import create_export_views


class PeriodNotClosedError(RuntimeError):
    """Exports are written only from a closed, gated period."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({query}) to '{path}' (format csv, header true, quote '\"')")
    row = con.execute(f"select count(*) from ({query})").fetchone()
    return int(row[0]) if row else 0


def _write_accounting_files(con: duckdb.DuckDBPyConnection, staging: Path) -> list[tuple[Path, int]]:
    written = []
    orgs = con.execute(
        "select distinct accounting_org_id, accounting_system, date_format from export_documents order by 1"
    ).fetchall()
    for org, system, date_format in orgs:
        if system == "xero":
            chunks = con.execute(
                f"""
                select distinct (dense_rank() over (order by invoice_number) - 1)
                    // {XERO_MAX_INVOICES_PER_FILE} + 1 as chunk
                from export_documents where accounting_org_id = ? order by chunk
                """,
                [org],
            ).fetchall()
            for (chunk,) in chunks:
                where = (
                    f"d.accounting_org_id = '{org}' and d.invoice_number in (select invoice_number from "
                    f"(select invoice_number, (dense_rank() over (order by invoice_number) - 1) "
                    f"// {XERO_MAX_INVOICES_PER_FILE} + 1 as chunk from export_documents "
                    f"where accounting_org_id = '{org}') where chunk = {chunk})"
                )
                path = staging / "xero" / org / f"sales_invoices_{chunk:03d}.csv"
                written.append((path, _copy_csv(con, layout_select(XERO_COLUMNS, where, date_format), path)))
        elif system == "quickbooks_online":
            path = staging / "quickbooks" / org / "invoices.csv"
            where = f"d.accounting_org_id = '{org}'"
            written.append((path, _copy_csv(con, layout_select(QBO_COLUMNS, where, date_format), path)))
        else:
            raise ValueError(f"accounting org {org}: unknown accounting_system {system!r}")
    return written


JOURNAL_QUERY = """
    select journal_id, journal_line, strftime(journal_date, '%Y-%m-%d') as journal_date, issuing_entity_id,
        safe_text(customer_id) as customer_id, billing_period, document_type, currency_code,
        account_role, safe_text(account_code) as account_code, safe_text(account_name) as account_name,
        safe_text(department) as department, safe_text(product_line) as product_line,
        safe_text(reference) as reference,
        amount_text(debit_minor, minor_units) as debit, amount_text(credit_minor, minor_units) as credit
    from export_journal order by journal_id, journal_line
"""

INVOICES_QUERY = """
    select invoice_number, document_type, document_title, billing_period, issuing_entity_id,
        issuer_legal_name, issuer_vat_number, draft_invoice_id, customer_id, customer_name, country_code,
        language_code, currency_code, minor_units, net_amount_minor, tax_amount_minor, gross_amount_minor,
        amount_decimal(net_amount_minor, minor_units) as net_amount,
        amount_decimal(tax_amount_minor, minor_units) as tax_amount,
        amount_decimal(gross_amount_minor, minor_units) as gross_amount,
        issue_date, due_date, original_invoice_number, related_invoice_number, reason_code, reason_text,
        approval_status, approval_reasons, close_content_sha256
    from export_documents order by invoice_number
"""

LINES_QUERY = """
    select invoice_line_id, invoice_number, line_number, draft_invoice_line_id, line_type, sku_id,
        description, legal_mention_code, legal_mention, price_list_id, price_list_version, pricing_unit,
        base_unit, base_units_per_pricing_unit, quantity_base, quantity, unit_price, currency_code,
        minor_units, net_amount_minor, tax_amount_minor,
        amount_decimal(net_amount_minor, minor_units) as net_amount,
        amount_decimal(tax_amount_minor, minor_units) as tax_amount,
        amount_decimal(net_amount_minor + tax_amount_minor, minor_units) as gross_amount,
        tax_rate, tax_rule_id, tax_treatment, is_estimated, usage_line_count, original_invoice_line_id,
        adjustment_reason_code, revenue_account_code
    from export_lines order by invoice_line_id
"""

EVIDENCE_QUERY = """
    select
        d.invoice_number,
        to_json({
            'invoice_number': d.invoice_number,
            'document_type': d.document_type,
            'billing_period': d.billing_period,
            'issuing_entity_id': d.issuing_entity_id,
            'customer_id': d.customer_id,
            'currency_code': d.currency_code,
            'net_amount': amount_text(d.net_amount_minor, d.minor_units),
            'tax_amount': amount_text(d.tax_amount_minor, d.minor_units),
            'gross_amount': amount_text(d.gross_amount_minor, d.minor_units),
            'original_invoice_number': d.original_invoice_number,
            'close_content_sha256': d.close_content_sha256,
            'rounding': 'half-even, once per line, in integer minor units',
            'lines': (
                select list({
                    'invoice_line_id': l.invoice_line_id,
                    'draft_invoice_line_id': l.draft_invoice_line_id,
                    'original_invoice_line_id': l.original_invoice_line_id,
                    'sku_id': l.sku_id,
                    'rate_card': {
                        'price_list_id': l.price_list_id,
                        'price_list_version': l.price_list_version,
                        'unit_price': cast(l.unit_price as varchar),
                        'pricing_unit': l.pricing_unit
                    },
                    'computation': {
                        'quantity_base': cast(l.quantity_base as varchar),
                        'base_unit': l.base_unit,
                        'base_units_per_pricing_unit': l.base_units_per_pricing_unit,
                        'net_amount_minor': l.net_amount_minor,
                        'net_formula': 'round_half_even(quantity_base * unit_price * 10^minor_units'
                            || ' / base_units_per_pricing_unit)',
                        'tax_rate': cast(l.tax_rate as varchar),
                        'tax_rule_id': l.tax_rule_id,
                        'tax_amount_minor': l.tax_amount_minor,
                        'tax_formula': 'round_half_even(net_amount_minor * tax_rate)'
                    },
                    'usage': (
                        select coalesce(list({
                            'source_kind': e.source_kind,
                            'source_file': e.source_file,
                            'file_sha256': e.file_sha256,
                            'usage_rows': e.usage_rows,
                            'quantity_base': cast(e.quantity_base as varchar),
                            'first_usage_at': strftime(e.first_usage_at, '%Y-%m-%dT%H:%M:%SZ'),
                            'last_usage_at': strftime(e.last_usage_at, '%Y-%m-%dT%H:%M:%SZ')
                        } order by e.source_file), [])
                        from ledger.evidence as e
                        where e.invoice_line_id = coalesce(l.original_invoice_line_id, l.invoice_line_id)
                    ),
                    'line_type': l.line_type,
                    'rebuild_query': 'select * from intermediate.int_usage__sliced where invoice_line_id = '''
                        || coalesce(l.draft_invoice_line_id, '') || ''''
                } order by l.line_number)
                from export_lines as l where l.invoice_number = d.invoice_number
            )
        }) as packet
    from export_documents as d order by d.invoice_number
"""


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


def write_exports(con: duckdb.DuckDBPyConnection, period: str, exports_dir: Path) -> dict[str, object]:
    """Write every export of the closed `period` and manifest.json; return the manifest."""
    if not is_closed(con, period):
        raise PeriodNotClosedError(
            f"period {period} is not closed: exports are written only by `meterline close --period {period}`"
        )
    load_close_reference(con)
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
    written.extend(write_focus(con, period, staging))
    exported = con.execute("select count(*) from export_documents").fetchone()
    manifest = {
        "billing_period": period,
        "status": "closed",
        **_close_summary(con, period),
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
