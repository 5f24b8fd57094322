"""The exportable documents of a closed period, read from the dbt models over the ledger.

The models (models/intermediate/exports/) are views the monthly `dbt build` creates; they
read the frozen ledger live, so a close or an approval after the build shows without a
rebuild. Exporting copies the period's rows into temporary tables (`export_documents`,
`export_lines`, `export_journal`), so every file of one export reads the same rows. Amounts
are written from integer minor units (`amount_text`), never through floating point.
"""

from __future__ import annotations

import duckdb

from orchestration.wiring.sql_files import sql_file

# Temporary table of the export -> the dbt model it copies the period's rows of.
EXPORT_MODELS = {
    "export_documents": "int_documents__exportable",
    "export_lines": "int_document_lines__exportable",
    "export_journal": "int_journal_entries__exportable",
}
MODELS_SCHEMA = "intermediate"


class ExportRefusedError(ValueError):
    """The period's documents cannot be exported as they are (the message says what to add)."""


class ExportModelsMissingError(ExportRefusedError):
    """The warehouse has no export models yet: the dbt build creates them."""


def missing_export_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MODELS_SCHEMA]
        ).fetchall()
    }
    return sorted(set(EXPORT_MODELS.values()) - present)


def create_export_views(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """export_documents, export_lines and export_journal: the approved documents of `period`."""
    missing = missing_export_models(con)
    if missing:
        raise ExportModelsMissingError(
            f"the warehouse has no {', '.join(missing)}: build the models first (meterline run --period {period})"
        )
    con.execute(sql_file(__file__, "format_macros"))
    for table, model in EXPORT_MODELS.items():
        con.execute(
            f"create or replace temp table {table} as "
            f"select * from {MODELS_SCHEMA}.{model} where billing_period = ?",
            [period],
        )
    _refuse_incomplete(con)


def _refuse_incomplete(con: duckdb.DuckDBPyConnection) -> None:
    """A period is never exported with a line the accounting system would mis-read."""
    missing_texts = [m for (m,) in con.execute(sql_file(__file__, "missing_legal_mentions")).fetchall()]
    if missing_texts:
        # A tax rule that requires a legal mention is never exported without its wording.
        raise ExportRefusedError(
            f"no invoice text for legal mention(s) {', '.join(missing_texts)}: "
            "add legal.<code> rows to seeds/close/invoice_texts.csv"
        )
    unmapped = [u for (u,) in con.execute(sql_file(__file__, "unmapped_tax_rules")).fetchall()]
    if unmapped:
        # A raw tax rule id would be rejected by the accounting system, or mis-tax the line.
        raise ExportRefusedError(
            f"no accounting tax type for {', '.join(unmapped)} (organisation/tax rule): "
            "add rows to seeds/close/accounting_tax_types.csv"
        )
