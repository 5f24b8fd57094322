"""Invoice-ready export files for one billing period, with a manifest of their hashes.

Files are written by DuckDB in a fixed order into a temporary folder that replaces the
period's folder only when complete, so a crash never leaves half an export and writing
the same period twice gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb

# Text cells that a spreadsheet would evaluate as a formula are prefixed with a quote.
FORMULA_PREFIX = r"^[=+\-@\t\r]"

EXPORTS = {
    "invoice_lines": (
        "marts.fct_invoice_lines",
        [
            "invoice_id",
            "invoice_line_id",
            "billing_period",
            "customer_id",
            "sku_id",
            "price_list_id",
            "price_list_version",
            "pricing_unit",
            "quantity",
            "unit_price",
            "currency_code",
            "net_amount",
            "tax_rate",
            "tax_amount",
            "gross_amount",
        ],
        "invoice_id, invoice_line_id",
    ),
    "invoices": (
        "marts.fct_invoices",
        [
            "invoice_id",
            "billing_period",
            "customer_id",
            "customer_name",
            "country_code",
            "currency_code",
            "line_count",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ],
        "invoice_id",
    ),
}
TEXT_COLUMNS = {"customer_name", "customer_id", "sku_id", "invoice_id"}


def _select(relation: str, columns: list[str], order_by: str, period: str, *, safe_text: bool) -> str:
    def expression(column: str) -> str:
        if safe_text and column in TEXT_COLUMNS:
            return (
                f"case when regexp_matches({column}, '{FORMULA_PREFIX}') "
                f"then '''' || {column} else {column} end as {column}"
            )
        return column

    return (
        f"select {', '.join(expression(c) for c in columns)} from {relation} "
        f"where billing_period = '{period}' order by {order_by}"
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_exports(
    con: duckdb.DuckDBPyConnection, period: str, exports_dir: Path, gates: list[str]
) -> dict[str, object]:
    """Write CSV and Parquet exports and manifest.json for `period`; return the manifest."""
    target = exports_dir / period
    staging = exports_dir / f".{period}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    files = []
    for name, (relation, columns, order_by) in EXPORTS.items():
        rows = con.execute(f"select count(*) from {relation} where billing_period = ?", [period]).fetchone()
        csv_path = staging / f"{name}.csv"
        parquet_path = staging / f"{name}.parquet"
        con.execute(
            f"copy ({_select(relation, columns, order_by, period, safe_text=True)}) "
            f"to '{csv_path}' (format csv, header true)"
        )
        con.execute(
            f"copy ({_select(relation, columns, order_by, period, safe_text=False)}) "
            f"to '{parquet_path}' (format parquet, compression zstd)"
        )
        for path in (csv_path, parquet_path):
            files.append({"file": path.name, "rows": int(rows[0]) if rows else 0, "sha256": _sha256(path)})
    inputs = con.execute(
        """
        select source_file, file_sha256 from raw.file_registry
        where is_current and status = 'loaded' order by source_file
        """
    ).fetchall()
    manifest = {
        "billing_period": period,
        "status": "draft",
        "gates_passed": sorted(gates),
        "inputs_sha256": hashlib.sha256(json.dumps(inputs).encode()).hexdigest(),
        "input_file_count": len(inputs),
        "files": sorted(files, key=lambda f: f["file"]),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return manifest
