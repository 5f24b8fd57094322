"""Dispute evidence packs: one folder per vendor discrepancy, in CSV and JSON.

A pack holds what a vendor needs to accept a dispute: the billed lines (file and row), our
expected computation, the usage rows behind it (meter hours for power, the billed rows for
cloud lines, the contract items for space and cross-connects) and the rate card version.
Packs go to `exports/<period>-disputes/` (a sibling of the invoice export, whose folder is
replaced as a whole on every export). Bytes are deterministic: every query is ordered, JSON
keys are sorted, and the folder is swapped in only when complete.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import duckdb

from orchestration.exports import swap

# Reconciliation statuses that need a person (auto-reconciled groups are not disputed).
DISCREPANCIES = (
    "over_billed",
    "under_billed",
    "rate_mismatch",
    "quantity_mismatch",
    "missing_in_bill",
    "unexpected_charge",
    "double_billed",
    "late_adjustment",
    "period_drift",
    "sku_unmapped",
)

GROUP_COLUMNS = (
    "reconciliation_line_id, match_group_id, vendor_id, vendor_sku_id, vendor_item_code, site_id, "
    "resource_id, currency_code, charge_period_start_at, charge_period_end_at, billed_quantity, "
    "expected_quantity, billed_unit_price, expected_unit_price, billed_amount, expected_amount, "
    "variance_amount, tolerance_amount, billed_line_count, expected_line_count, rate_card_version, status, "
    "detail"
)
ENERGY_COLUMNS = (
    "site_id, meter_id, hour_start_at, hour_end_at, energy_joules, held_energy_joules, "
    "source_file, source_row"
)
CHARGE_COLUMNS = (
    "source_file, source_row, line_number_in_row, invoice_id, vendor_item_code, resource_id, "
    "charge_period_start_at, charge_period_end_at, billed_quantity, billed_unit, billed_unit_price, "
    "billed_amount, currency_code, row_status"
)
LINE_COLUMNS = (
    "line_side, line_id, source_file, source_row, invoice_id, vendor_item_code, charge_category, "
    "charge_description, charge_period_start_at, charge_period_end_at, quantity, unit, unit_price, amount, "
    "currency_code, rate_card_version, quantity_base, row_status"
)


def _text(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[dict[str, object]]:
    result = con.execute(sql, params)
    columns = [d[0] for d in result.description]
    return [{c: _text(v) for c, v in zip(columns, row, strict=True)} for row in result.fetchall()]


# Column types a pack shows, rendered in SQL as `_text` renders them in Python: decimals and
# times as text, integers and booleans as JSON literals. Another type fails loudly instead of
# rendering differently.
_INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
# Python's json writes every character outside printable ASCII as a lowercase \uXXXX escape
# (a surrogate pair above U+FFFF); DuckDB's to_json keeps them as UTF-8 and writes control
# characters in uppercase hex. One pass over the rendered text makes the bytes agree.
_NON_PYTHON_ESCAPES = re.compile(r"\\u([0-9A-F]{4})|\\.|[^\x00-\x7e]", re.DOTALL)


def _python_escape(match: re.Match[str]) -> str:
    token = match.group(0)
    if match.group(1):
        return token.lower()
    if token[0] == "\\":
        return token
    code = ord(token)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _json_value_sql(column: str, column_type: str) -> str:
    name = '"' + column.replace('"', '""') + '"'
    if column_type == "VARCHAR":
        value = f"to_json({name})"
    elif column_type.startswith("DECIMAL"):
        value = f"to_json(cast({name} as varchar))"
    elif column_type == "TIMESTAMP":
        value = f"to_json(strftime({name}, '%Y-%m-%dT%H:%M:%SZ'))"
    elif column_type == "DATE":
        value = f"to_json(strftime({name}, '%Y-%m-%d'))"
    elif column_type in _INTEGER_TYPES:
        value = f"cast({name} as varchar)"
    elif column_type == "BOOLEAN":
        value = f"case when {name} then 'true' when not {name} then 'false' end"
    else:
        raise TypeError(f"dispute pack column {column} has type {column_type}, which packs do not render")
    return f"coalesce({value}, 'null')"


# Rendered rows fetched from DuckDB at a time: a part of millions of meter hours streams into
# pack.json instead of being held whole in Python.
ROWS_PER_BATCH = 10_000


def _write_json_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object], out: TextIO) -> None:
    """Write the rows of `sql` as the list `json.dumps(pack, indent=2, sort_keys=True)` writes
    for a pack part, byte for byte: DuckDB renders every row in one query, so a part of a
    hundred thousand meter hours is not a hundred thousand Python dicts run through json's
    encoder, and it reaches the file in batches."""
    described = con.execute(f"select * from ({sql}) limit 0", params).description
    members = [
        "'      "
        + (json.dumps(column) + ": ").replace("'", "''")
        + "' || "
        + _json_value_sql(column, str(column_type))
        for column, column_type, *_ in sorted(described, key=lambda column: column[0])
    ]
    row_sql = " || ',\n' || ".join(members)
    rendered = con.execute(f"select '    {{\n' || {row_sql} || '\n    }}' from ({sql}) as pack_rows", params)
    separator = "[\n"
    while batch := rendered.fetchmany(ROWS_PER_BATCH):
        text = ",\n".join(row for (row,) in batch)
        # Escapes never span two rows (a row ends with "}"), so a batch is re-escaped on its own;
        # usually there is nothing to re-escape and no pass over the text.
        if not text.isascii() or "\\u" in text or "\x7f" in text:
            text = _NON_PYTHON_ESCAPES.sub(_python_escape, text)
        out.write(separator + text)
        separator = ",\n"
    out.write("[]" if separator == "[\n" else "\n  ]")


def _write_pack_json(
    con: duckdb.DuckDBPyConnection,
    period: str,
    group: dict[str, object],
    parts: dict[str, tuple[str, list[object]]],
    path: Path,
) -> None:
    """pack.json as `json.dumps(pack, indent=2, sort_keys=True)` writes it, each part's rows
    rendered by `_write_json_rows` as the file is written."""
    # a nested object is its own dump indented one level (JSON text holds no raw newline)
    discrepancy = "\n  ".join(json.dumps(group, indent=2, sort_keys=True).split("\n"))
    members: dict[str, str | tuple[str, list[object]]] = {
        "billing_period": json.dumps(period),
        "discrepancy": discrepancy,
        **parts,
    }
    with path.open("w", encoding="utf-8") as out:
        out.write("{\n")
        for position, (key, value) in enumerate(sorted(members.items())):
            out.write(("" if position == 0 else ",\n") + f"  {json.dumps(key)}: ")
            if isinstance(value, str):
                out.write(value)
            else:
                _write_json_rows(con, *value, out)
        out.write("\n}\n")


def _copy_csv(con: duckdb.DuckDBPyConnection, sql: str, params: list[object], path: Path) -> None:
    con.execute(f"copy ({sql}) to '{path}' (format csv, header true)", params)


def _usage_sql(group: dict[str, object]) -> tuple[str, list[object]]:
    """The usage behind the expected side: meter hours, contract items, or the billed rows."""
    if group["vendor_sku_id"] == "power_kwh" and group["site_id"]:
        return (
            f"select {ENERGY_COLUMNS} from dispute_energy where match_group_id = ? "
            "order by meter_id, hour_start_at",
            [group["match_group_id"]],
        )
    if group["site_id"]:
        return (
            "select vendor_id, vendor_sku_id, site_id, contracted_quantity, effective_from, effective_to "
            "from policy.vendor_contract_items where vendor_id = ? and vendor_sku_id = ? and site_id = ? "
            "order by effective_from",
            [group["vendor_id"], group["vendor_sku_id"], group["site_id"]],
        )
    return (
        f"select {CHARGE_COLUMNS} from dispute_charges "
        # a raw row can carry several lines (a Google Cloud cost and its credits)
        "where reconciliation_key = ? order by source_file, source_row, line_number_in_row",
        [group["match_group_id"]],
    )


def _gather(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Read the large sources once for every pack of `period`: temporary tables holding only the
    rows the packs show (the meter hours, billed lines and reconciliation lines of the disputed
    groups), which each pack then filters by its group."""
    placeholders = ", ".join("?" for _ in DISCREPANCIES)
    con.execute(
        "create or replace temp table dispute_groups as "
        f"select {GROUP_COLUMNS} from marts.fct_vendor_reconciliation "
        f"where billing_period = ? and status in ({placeholders})",
        [period, *DISCREPANCIES],
    )
    con.execute(
        "create or replace temp table dispute_energy as "
        f"select groups.match_group_id, {', '.join(f'hourly.{c}' for c in ENERGY_COLUMNS.split(', '))} "
        "from intermediate.int_energy__hourly as hourly "
        "inner join dispute_groups as groups "
        "on groups.vendor_sku_id = 'power_kwh' and hourly.site_id = groups.site_id "
        "and hourly.hour_start_at >= groups.charge_period_start_at "
        "and hourly.hour_start_at < groups.charge_period_end_at"
    )
    con.execute(
        "create or replace temp table dispute_charges as "
        f"select reconciliation_key, {CHARGE_COLUMNS} from intermediate.int_vendor_charges__unified "
        "where reconciliation_key in (select match_group_id from dispute_groups)"
    )
    con.execute(
        "create or replace temp table dispute_lines as "
        f"select match_group_id, {LINE_COLUMNS} from marts.fct_vendor_reconciliation_lines "
        "where billing_period = ? and match_group_id in (select match_group_id from dispute_groups)",
        [period],
    )


def _rate_card_sql(group: dict[str, object]) -> tuple[str, list[object]]:
    return (
        "select vendor_id, rate_card_version, effective_from, effective_to, vendor_sku_id, currency_code, "
        "unit_price, pricing_unit from policy.vendor_rate_cards where vendor_id = ? and vendor_sku_id = ? "
        "order by rate_card_version",
        [group["vendor_id"], group["vendor_sku_id"]],
    )


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def write_dispute_packs(con: duckdb.DuckDBPyConnection, period: str, exports_dir: Path) -> dict[str, Any]:
    """Write one pack per discrepancy of `period`; return the index (also written as index.json)."""
    staging = swap.staging_folder(exports_dir, f"{period}-disputes")
    _gather(con, period)
    groups = _rows(
        con, f"select {GROUP_COLUMNS} from dispute_groups order by vendor_id, status, match_group_id", []
    )
    index = []
    for group in groups:
        name = f"{group['vendor_id']}/{group['status']}-{str(group['reconciliation_line_id'])[:12]}"
        folder = staging / name
        folder.mkdir(parents=True)
        lines_sql = (
            f"select {LINE_COLUMNS} from dispute_lines where match_group_id = ? "
            "order by line_side, source_file, source_row, line_id"
        )
        parts = {
            "lines": (lines_sql, [group["match_group_id"]]),
            "usage": _usage_sql(group),
            "rate_card": _rate_card_sql(group),
        }
        for part, (sql, params) in parts.items():
            _copy_csv(con, sql, params, folder / f"{part}.csv")
        _write_pack_json(con, period, group, parts, folder / "pack.json")
        index.append(
            {
                "pack": name,
                "vendor_id": group["vendor_id"],
                "status": group["status"],
                "currency_code": group["currency_code"],
                "variance_amount": group["variance_amount"],
                "files": {f.name: _sha256(f) for f in sorted(folder.iterdir())},
            }
        )
    manifest = {"billing_period": period, "pack_count": len(index), "packs": index}
    (staging / "index.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    swap.publish(exports_dir, f"{period}-disputes", staging)
    return manifest
