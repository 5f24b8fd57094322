"""Legal document numbers: one gapless series per issuing entity and year, `NO1-2026-000001`.

Invoices, credit notes and debit notes share their entity's series, so the series has no
hole whatever kind of document was issued. Numbers are allocated inside the transaction
that inserts the documents: a failed close or correction rolls the numbers back with them.
"""

from __future__ import annotations

import duckdb


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"


def last_sequence(con: duckdb.DuckDBPyConnection, entity: str, year: int) -> int:
    row = con.execute(
        "select coalesce(max(sequence_number), 0) from ledger.invoices "
        "where issuing_entity_id = ? and series_year = ?",
        [entity, year],
    ).fetchone()
    return int(row[0]) if row else 0


def entity_prefix(con: duckdb.DuckDBPyConnection, entity: str) -> str:
    row = con.execute(
        "select invoice_prefix from close_issuing_entities where issuing_entity_id = ?", [entity]
    ).fetchone()
    if not row:
        raise ValueError(f"issuing entity {entity} is not declared in seeds/close/issuing_entities.csv")
    return str(row[0])


def allocate(con: duckdb.DuckDBPyConnection, entity: str, year: int) -> tuple[int, str]:
    """The next number of the entity's series (for single corrections documents)."""
    sequence = last_sequence(con, entity, year) + 1
    return sequence, format_number(entity_prefix(con, entity), year, sequence)
