"""What each approved document of a closed period prints, read from the frozen ledger.

One query (documents.sql beside this file) returns a JSON value per document: parties, lines
with their usage evidence and price tiers, VAT per rate, and the texts in the document's
language. Policy the ledger does not freeze (addresses, labels, tiers, bank accounts) comes
from the seeds, which change only by a reviewed commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from orchestration.close.approval import APPROVAL_STATES
from orchestration.close.reference import load_close_reference
from orchestration.wiring.settings import PROJECT_DIR

QUERY_PATH = Path(__file__).with_name("documents.sql")
SEEDS_DIR = PROJECT_DIR / "seeds"

# Temp tables the query reads, each from one seed file, every column as text.
SEED_TABLES = {
    "doc_parties": "documents/document_parties.csv",
    "doc_labels": "documents/document_labels.csv",
    "doc_invoice_texts": "close/invoice_texts.csv",
    "doc_bank_accounts": "receivables/bank_accounts.csv",
    "doc_price_tiers": "rating/customer_price_tiers.csv",
    "doc_price_lists": "rating/customer_price_lists.csv",
    "doc_notice_texts": "receivables/dunning_notice_texts.csv",
}


def load_document_seeds(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> None:
    """The seed temp tables customer documents and dunning notices print from."""
    for table, relative in SEED_TABLES.items():
        con.execute(
            f"create or replace temp table {table} as select * from read_csv(?, header = true, "
            "all_varchar = true, delim = ',', quote = '\"')",
            [str(seeds_dir / relative)],
        )
    con.execute(
        "create or replace temp table doc_texts as "
        "select text_key, language_code, text from doc_invoice_texts "
        "union all select text_key, language_code, text from doc_labels"
    )
    con.execute(
        "create or replace temp table notice_texts as "
        "select text_key, language_code, text from doc_notice_texts "
        "union all select text_key, language_code, text from doc_labels"
    )


def document_contents(
    con: duckdb.DuckDBPyConnection, period: str, seeds_dir: Path = SEEDS_DIR
) -> list[dict[str, Any]]:
    """Every approved document of the closed `period`, ordered by number."""
    load_close_reference(con, seeds_dir / "close")
    load_document_seeds(con, seeds_dir)
    query = QUERY_PATH.read_text("utf-8").replace("{approval_states}", APPROVAL_STATES)
    rows = con.execute(query, {"period": period}).fetchall()
    return [json.loads(document) for _, _, document in rows]
