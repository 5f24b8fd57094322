"""Dunning notices: the letter each customer receives when a document of theirs reaches a
dunning stage, in the customer's language, as HTML and PDF.

An evaluation writes one notice per customer and currency with a document whose stage moved
that day (sql/dunning_notices.sql): titled by the highest stage reached, listing every overdue
document with its open amount and payment reference, the account to pay into, and the legal
mention of the customer's country (seeds/receivables/dunning_notice_texts.csv). Rendering is
the customer documents' (orchestration/exports/documents/render.py): the same ledger and date
give the same bytes.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.close.reference import load_close_reference
from orchestration.exports.documents.content import SEEDS_DIR, load_document_seeds
from orchestration.exports.documents.render import render_page, render_pdf
from orchestration.wiring.sql_files import sql_file

NOTICES_FOLDER = "notices"


def notice_contents(
    con: duckdb.DuckDBPyConnection, as_of: date, period: str, seeds_dir: Path = SEEDS_DIR
) -> list[dict[str, Any]]:
    """Every notice of the evaluation as of `as_of`, ordered by customer and currency."""
    load_close_reference(con, seeds_dir / "close")
    load_document_seeds(con, seeds_dir)
    rows = con.execute(sql_file(__file__, "dunning_notices"), {"as_of": as_of, "period": period}).fetchall()
    return [json.loads(notice) for *_, notice in rows]


def write_notices(con: duckdb.DuckDBPyConnection, as_of: date, period: str, exports_dir: Path) -> list[Path]:
    """`notices/<date>/<customer>-<currency>.html` and `.pdf` for each notice of the day."""
    folder = exports_dir / NOTICES_FOLDER / as_of.isoformat()
    written = []
    for notice in notice_contents(con, as_of, period):
        html = render_page("notice.html.j2", notice=notice)
        identity = f"{notice['notice_id']}\0{json.dumps(notice, sort_keys=True)}"
        name = f"{notice['customer']['customer_id']}-{notice['currency_code']}"
        folder.mkdir(parents=True, exist_ok=True)
        for path, content in (
            (folder / f"{name}.html", html.encode()),
            (folder / f"{name}.pdf", render_pdf(html, identity)),
        ):
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(content)
            os.replace(partial, path)
            written.append(path)
    return written
