"""A real DuckDB warehouse holding the receivables models, for matching and property tests.

The bank staging, ledger staging and matching models are compiled once by dbt and created
as views over the real raw bank table and ledger (warehouse_setup, bank_load DDL); seeds
come from the project's CSV files, except the payers, which each test declares.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.receivables.allocations import RecordedAllocations, record_allocations
from orchestration.receivables.bank_load import ensure_bank_tables
from orchestration.receivables.payment_references import issue_missing
from orchestration.wiring.warehouse_setup import ensure_ledger
from tests.dbt_support import WAREHOUSE_NAME, dbt

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODELS = {  # in build order
    "staging.stg_bank__entries": "models/staging/bank/stg_bank__entries.sql",
    "staging.stg_ledger__receivable_documents": "models/staging/ledger/stg_ledger__receivable_documents.sql",
    "staging.stg_ledger__allocations": "models/staging/ledger/stg_ledger__allocations.sql",
    "staging.stg_ledger__invoices": "models/staging/ledger/stg_ledger__invoices.sql",
    "staging.stg_ledger__approvals": "models/staging/ledger/stg_ledger__approvals.sql",
    "staging.stg_ledger__disputes": "models/staging/ledger/stg_ledger__disputes.sql",
    "intermediate.int_documents__approval_states": (
        "models/intermediate/exports/int_documents__approval_states.sql"
    ),
    "intermediate.int_bank__credit_entries": "models/intermediate/receivables/int_bank__credit_entries.sql",
    "intermediate.int_receivables__matched": "models/intermediate/receivables/int_receivables__matched.sql",
    "intermediate.int_receivables__entry_outcomes": (
        "models/intermediate/receivables/int_receivables__entry_outcomes.sql"
    ),
    "marts.fct_receivables": "models/marts/receivables/fct_receivables.sql",
    "marts.rpt_aged_receivables": "models/marts/receivables/rpt_aged_receivables.sql",
    "marts.rpt_collections_kpis": "models/marts/receivables/rpt_collections_kpis.sql",
}
# The marts are compiled for December 2026, as of 15 January 2027.
SEEDS = {
    "bank_accounts": "receivables/bank_accounts.csv",
    "receivables_policy": "receivables/receivables_policy.csv",
    "currencies": "rating/currencies.csv",
}
TYPES = {
    "bank_fee_tolerance_minor": "bigint",
    "amount_match_window_days": "integer",
    "minor_units": "integer",
}


def compile_models(out: Path) -> dict[str, str]:
    """The models' SQL as dbt compiles it, with database names left out."""
    models = (relation.split(".")[1] for relation in MODELS)
    done = dbt(out / WAREHOUSE_NAME, out, "compile", "-s", *models, period="2026-12", as_of=date(2027, 1, 15))
    assert done.returncode == 0, done.stdout + done.stderr
    return {
        relation: re.sub(r'"[a-z_]+"\.("(?:staging|intermediate|policy|raw|ledger|marts)")', r"\1",
                         (out / "target" / "compiled" / "meterline" / path).read_text())
        for relation, path in MODELS.items()
    }  # fmt: skip


class ReceivablesWarehouse:
    """One DuckDB file: ledger, raw bank entries, seeds and the receivables models as views."""

    def __init__(self, path: Path, compiled: dict[str, str], payers: list[tuple[str, str, str]]) -> None:
        self.con = duckdb.connect(str(path))
        ensure_ledger(self.con)
        ensure_bank_tables(self.con)
        for schema in ("staging", "intermediate", "policy", "marts"):
            self.con.execute(f"create schema if not exists {schema}")
        for name, csv in SEEDS.items():
            columns = self.con.execute(
                f"select * from read_csv('{PROJECT_DIR / 'seeds' / csv}', all_varchar = true) limit 0"
            ).description
            typed = ", ".join(f"cast({c[0]} as {TYPES.get(c[0], 'varchar')}) as {c[0]}" for c in columns)
            self.con.execute(
                f"create or replace table policy.{name} as select {typed} "
                f"from read_csv('{PROJECT_DIR / 'seeds' / csv}', all_varchar = true)"
            )
        self.con.execute(
            "create or replace table policy.bank_counterparties (counterparty_iban varchar, "
            "counterparty_name varchar, customer_id varchar, description varchar)"
        )
        for iban, name, customer in payers:
            self.con.execute(
                "insert into policy.bank_counterparties "
                "values (nullif(?, ''), nullif(?, ''), nullif(?, ''), 'test')",
                [iban, name, customer],
            )
        for relation, sql in compiled.items():
            self.con.execute(f"create or replace view {relation} as {sql}")
        self.files: dict[str, int] = {}

    def issue(
        self,
        number: str,
        customer: str,
        currency: str,
        gross_minor: int,
        *,
        issued: date = date(2026, 11, 1),
        due: date = date(2026, 12, 1),
        document_type: str = "invoice",
        original: str | None = None,
        country: str = "FR",
    ) -> None:
        """An issued FR1 document (number `FR1-2026-<seq>`) and its payment reference."""
        sequence = int(number.rsplit("-", 1)[1])
        self.con.execute(
            """
            insert into ledger.invoices values (?, ?, '2026-10', 'FR1', 2026, ?, null, ?, ?, ?, 'en', ?, 2,
                ?, 0, ?, ?, ?, ?, null, null, null, '', 'test', now())
            """,
            [number, document_type, sequence, customer, customer, country, currency, gross_minor,
             gross_minor, issued, due, original],
        )  # fmt: skip
        issue_missing(self.con, datetime(2026, 11, 1, tzinfo=UTC))

    def payment_reference(self, number: str) -> str:
        row = self.con.execute(
            "select payment_reference from ledger.payment_references where invoice_number = ?", [number]
        ).fetchone()
        assert row is not None
        return str(row[0])

    def book(
        self,
        file: str,
        amount: Decimal,
        *,
        currency: str = "EUR",
        value_date: date = date(2026, 11, 20),
        name: str | None = None,
        iban: str | None = None,
        text: str | None = None,
        reference: str | None = None,
        end_to_end_id: str | None = None,
        account: str = "fr1-eur",
    ) -> None:
        """One booked entry appended to a statement file of raw.bank_entries."""
        row = self.files.get(file, 0) + 1
        self.files[file] = row
        self.con.execute(
            """
            insert into raw.bank_entries by name select
                ? as bank_account_id, 'camt.053' as message_kind, 'STMT-' || ? as statement_id,
                '1' as statement_sequence, '0' as statement_index, ? as account_id,
                cast(? as varchar) as entry_position, cast(? as varchar) as booking_date,
                cast(? as varchar) as value_date, ? as amount, ? as currency,
                case when ? > 0 then 'CRDT' else 'DBIT' end as credit_debit, ? as counterparty_name,
                ? as counterparty_iban, ? as remittance_text, ? as creditor_reference,
                ? as end_to_end_id, null as bank_reference, ? as _source_file, ? as _source_row,
                md5(?) as _file_sha256
            """,
            [account, file, account, row - 1, value_date, value_date, str(amount), currency, amount,
             name, iban, text, reference, end_to_end_id, file, row, file],
        )  # fmt: skip

    def record(self) -> RecordedAllocations:
        return record_allocations(self.con, "test", date(2026, 12, 31))

    def open_minor(self) -> dict[str, int]:
        """What each payable document is still owed per the ledger's allocations."""
        return dict(
            self.con.execute(
                """
                select d.invoice_number, d.gross_amount_minor - coalesce(sum(a.amount_minor), 0)
                from ledger.invoices as d
                left join ledger.allocations as a on d.invoice_number = a.invoice_number
                where d.document_type in ('invoice', 'debit_note')
                group by d.invoice_number, d.gross_amount_minor
                """
            ).fetchall()
        )

    def outcomes(self) -> dict[str, tuple[str, int, str | None]]:
        """remittance text (or reference) -> (state, applied minor units, reason)."""
        return {
            key: (state, int(applied), reason)
            for key, state, applied, reason in self.con.execute(
                """
                select coalesce(remittance_text, creditor_reference, counterparty_name), entry_state,
                    applied_minor, reason_code
                from intermediate.int_receivables__entry_outcomes
                """
            ).fetchall()
        }
