"""The dunning policy computed from its seeds and the ledger, independently of the models under
test: which documents were sent, the stage each reaches at a date, and what is assigned then."""

from __future__ import annotations

import csv
from datetime import date

from tests.conftest import SEEDS_DIR

# Documents sent to customers (held ones are not), as the ledger holds them.
SENT_SQL = """
    select invoice_number, customer_id, currency_code, gross_amount_minor, due_date
    from ledger.invoices as invoices
    where billing_period = ? and document_type in ('invoice', 'debit_note')
        and (approval_reasons = '' or exists (
            select 1 from ledger.approvals where approvals.invoice_number = invoices.invoice_number))
"""

# What is assigned to a customer at the start of a date (parameters: the date, twice).
ASSIGNED_SQL = """
    select customer_id, subject_type, subject_id from staging.stg_reference__assignments
    where quarantine_reason is null and effective_from_at <= cast(? as timestamp)
        and (effective_to_at is null or effective_to_at > cast(? as timestamp))
"""

Sent = tuple[str, str, str, int, date]


def policy_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / "receivables" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expected_stages(sent: list[Sent], as_of: date) -> dict[str, tuple[str, int]]:
    """Stage and days past due of every overdue sent document, nothing paid."""
    stages = policy_seed("dunning_stages")
    minimums = {
        (row["segment"], row["currency_code"]): int(row["minimum_overdue_minor"])
        for row in policy_seed("dunning_minimums")
    }
    segments = {row["customer_id"]: row["segment"] for row in policy_seed("dunning_segments")}
    overdue = [doc for doc in sent if (as_of - doc[4]).days > 0]
    owed: dict[tuple[str, str], int] = {}
    for _, customer, currency, gross, _ in overdue:
        owed[(customer, currency)] = owed.get((customer, currency), 0) + gross
    expected = {}
    for number, customer, currency, _, due in overdue:
        segment, days = segments.get(customer, "standard"), (as_of - due).days
        reached = [
            (int(row["stage_order"]), row["stage"])
            for row in stages
            if row["segment"] == segment and days >= int(row["days_after_due"])
        ]
        stage = (
            max(reached)[1]
            if reached and owed[(customer, currency)] >= minimums.get((segment, currency), 0)
            else "none"
        )
        expected[number] = (stage, days)
    return expected
