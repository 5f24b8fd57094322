"""Dunning evaluated by `meterline dunning --as-of` (the real `daily_dunning` Dagster job) on a copy
of the closed demo month: the stage changes recorded in the ledger, the suspensions hand-off
files, the notices (HTML read back, PDF printed, opened in Chromium), a payment lifting a
suspension, idempotent re-runs and refused dates; and the daily schedule's request.

The demo's invoices are issued on 2026-11-01 and due on 2026-12-01, nothing paid. Expected
stages come from the policy seeds and the ledger (tests/dunning_policy.py), not from the models.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import RunRequest, SkipReason, build_schedule_context, validate_run_config

from orchestration.demo.statements import payment_file
from orchestration.wiring.jobs import daily_dunning_schedule
from tests.browser_support import browser_tools_missing, open_in_chromium
from tests.conftest import SEEDS_DIR
from tests.dunning_policy import ASSIGNED_SQL, SENT_SQL, Sent, expected_stages, policy_seed
from tests.e2e_support import PERIOD, DemoMonth, Deployment, folder_digest

FIRST, SUSPENDED, PAID = date(2026, 12, 10), date(2027, 1, 20), date(2027, 1, 26)
DISPUTED, RESOLVED = date(2027, 1, 28), date(2027, 1, 30)
CHANGES_SQL = """
    select as_of_date, invoice_number, from_stage, to_stage, rule, open_minor
    from ledger.dunning_stage_changes order by change_id
"""
HANDOFF_HEADER = [
    "as_of_date", "action", "customer_id", "subject_type", "subject_id", "assignment_id",
    "invoice_numbers", "oldest_due_date",
]  # fmt: skip


@dataclass
class Evaluated:
    deployment: Deployment
    sent: list[Sent]
    paid_invoice: str
    outputs: dict[str, tuple[int, str, str]]
    changes: dict[str, list[tuple[object, ...]]]
    handoffs: dict[str, dict[str, str]]
    receivables: set[str]


def _handoff(deployment: Deployment, as_of: date) -> tuple[list[dict[str, str]], dict[str, object]]:
    folder = deployment.exports_dir / "suspensions"
    with (folder / f"{as_of}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HANDOFF_HEADER
        rows = list(reader)
    return rows, json.loads((folder / f"{as_of}.json").read_text(encoding="utf-8"))


def _assigned(deployment: Deployment, as_of: date) -> set[tuple[str, str, str]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return set(con.execute(ASSIGNED_SQL, [as_of, as_of]).fetchall())


@pytest.fixture(scope="module")
def evaluated(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("dunning") / "deployment")
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        sent = con.execute(SENT_SQL, [PERIOD]).fetchall()
    outputs: dict[str, tuple[int, str, str]] = {}
    changes: dict[str, list[tuple[object, ...]]] = {}
    handoffs: dict[str, dict[str, str]] = {}

    def evaluate(step: str, *args: str) -> None:
        done = deployment.meterline("dunning", *args, "--by", "Credit Controller")
        outputs[step] = (done.returncode, done.stdout, done.stderr)
        with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
            changes[step] = con.execute(CHANGES_SQL).fetchall()
        handoffs[step] = folder_digest(deployment.exports_dir / "suspensions") | folder_digest(
            deployment.exports_dir / "notices"
        )

    evaluate("first", "--as-of", FIRST.isoformat())
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        receivables = {
            row[0]
            for row in con.execute(
                "select invoice_number from marts.fct_receivables where billing_period = ?", ["2026-11"]
            ).fetchall()
        }
    evaluate("suspended", "--as-of", SUSPENDED.isoformat())
    evaluate("again", "--as-of", SUSPENDED.isoformat())
    evaluate("earlier", "--as-of", "2027-01-01")
    evaluate("malformed", "--as-of", "2027-13-01")
    # The bank pays one suspended document in full on 2027-01-25: its statement lands, and the
    # next evaluation reads it and records the matching's allocation.
    paid_invoice = min(number for number, *_ in sent)
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        cursor = con.execute(
            "select * from staging.stg_ledger__receivable_documents where invoice_number = ?", [paid_invoice]
        )
        row = cursor.fetchone()
        assert row is not None
        document = dict(zip([column[0] for column in cursor.description], row, strict=True))
    relative, content = payment_file(document, date(2027, 1, 25))
    statement = deployment.root / "landing" / "bank" / relative
    statement.parent.mkdir(parents=True, exist_ok=True)
    statement.write_bytes(content)
    evaluate("paid", "--as-of", PAID.isoformat())
    # The customer of another suspended document disputes it, then the dispute is resolved.
    disputed = max(number for number, *_ in sent)
    why = ("--by", "Credit Controller", "--why", "usage of 2026-10-14 contested")
    for step, args in (
        ("dispute", ("--invoice", disputed, "--on", "2027-01-27", *why)),
        ("dispute_again", ("--invoice", disputed, "--on", "2027-01-27", *why)),
        ("dispute_unknown", ("--invoice", "XX-0000-000000", "--on", "2027-01-27", *why)),
    ):
        done = deployment.meterline("dispute", *args)
        outputs[step] = (done.returncode, done.stdout, done.stderr)
    evaluate("disputed", "--as-of", DISPUTED.isoformat())
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        status = con.execute(
            "select receivable_status from marts.fct_receivables "
            "where billing_period = ? and invoice_number = ?",
            ["2026-12", disputed],
        ).fetchone()
        disputes = con.execute("select count(*) from ledger.disputes").fetchone()
    outputs["disputed_status"] = (0, str(status[0] if status else None), str(disputes[0] if disputes else 0))
    done = deployment.meterline("dispute", "--invoice", disputed, "--on", "2027-01-29", "--resolve", *why)
    outputs["resolve"] = (done.returncode, done.stdout, done.stderr)
    # Finance gives up another suspended document: refused as more than a bank fee, then
    # approved as a bad debt.
    given_up = sorted(number for number, *_ in sent)[1]
    write_off = ("--invoice", given_up, "--on", "2027-01-29", "--by", "Controller", "--why", "insolvent")
    for step, args in (("write_off_refused", write_off), ("write_off", (*write_off, "--beyond-tolerance"))):
        done = deployment.meterline("write-off", *args)
        outputs[step] = (done.returncode, done.stdout, done.stderr)
    evaluate("resolved", "--as-of", RESOLVED.isoformat())
    return Evaluated(deployment, sent, paid_invoice, outputs, changes, handoffs, receivables)


def test_each_evaluation_records_the_stages_the_policy_gives(evaluated: Evaluated) -> None:
    for step in ("first", "suspended", "again", "paid"):
        assert evaluated.outputs[step][0] == 0, evaluated.outputs[step]
    first = {number: stage for _, number, _, stage, _, _ in evaluated.changes["first"]}
    assert first == {number: stage for number, (stage, _) in expected_stages(evaluated.sent, FIRST).items()}
    assert set(first.values()) == {"reminder"}
    # Held documents were never sent: they are not receivables, so never dunned.
    assert evaluated.receivables == {number for number, *_ in evaluated.sent}
    later = evaluated.changes["suspended"][len(evaluated.changes["first"]) :]
    expected = expected_stages(evaluated.sent, SUSPENDED)
    assert {(number, before, after) for _, number, before, after, _, _ in later} == {
        (number, "reminder", stage) for number, (stage, _) in expected.items()
    }
    assert {rule for *_, rule, _ in later} == {"dunning_stages:standard/suspension"}
    stdout = evaluated.outputs["suspended"][1]
    assert "overdue documents by stage: suspension" in stdout
    assert str(evaluated.deployment.exports_dir / "suspensions" / "2027-01-20.csv") in stdout


def test_the_handoff_lists_what_is_assigned_to_the_suspended_customers(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    rows, document = _handoff(deployment, SUSPENDED)
    customers = {customer for _, customer, *_ in evaluated.sent}
    assert {(row["customer_id"], row["subject_type"], row["subject_id"]) for row in rows} == {
        subject for subject in _assigned(deployment, SUSPENDED) if subject[0] in customers
    }
    assert {row["action"] for row in rows} == {"suspend"}
    assert document["as_of_date"] == SUSPENDED.isoformat() and document["lift"] == []
    suspend = document["suspend"]
    assert isinstance(suspend, list)
    assert sorted(
        (entry["customer_id"], subject["subject_type"], subject["subject_id"])
        for entry in suspend
        for subject in entry["subjects"]
    ) == sorted((row["customer_id"], row["subject_type"], row["subject_id"]) for row in rows)
    first_rows, first_document = _handoff(deployment, FIRST)
    assert first_rows == [] and first_document["suspend"] == [] and first_document["lift"] == []


def test_a_payment_lifts_the_suspension_of_its_customer_only(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    before = len(evaluated.changes["again"])
    moved = evaluated.changes["paid"][before:]
    assert [(number, was, now, rule, open_minor) for _, number, was, now, rule, open_minor in moved] == [
        (evaluated.paid_invoice, "suspension", "none", "settled", 0)
    ]
    customer = next(customer for number, customer, *_ in evaluated.sent if number == evaluated.paid_invoice)
    rows, document = _handoff(deployment, PAID)
    lifted = {
        (row["customer_id"], row["subject_type"], row["subject_id"])
        for row in rows
        if row["action"] == "lift"
    }
    assert lifted == {subject for subject in _assigned(deployment, PAID) if subject[0] == customer}
    assert lifted and customer not in {row["customer_id"] for row in rows if row["action"] == "suspend"}
    lift = document["lift"]
    assert isinstance(lift, list) and [entry["customer_id"] for entry in lift] == [customer]
    assert f"lift: {customer}" in evaluated.outputs["paid"][1]


def test_evaluating_a_date_again_changes_nothing_and_earlier_dates_are_refused(evaluated: Evaluated) -> None:
    assert evaluated.changes["again"] == evaluated.changes["suspended"]
    assert evaluated.handoffs["again"] == evaluated.handoffs["suspended"]
    returncode, _, stderr = evaluated.outputs["earlier"]
    assert returncode == 1 and "already evaluated as of 2027-01-20" in stderr
    assert evaluated.changes["earlier"] == evaluated.changes["again"]
    returncode, _, stderr = evaluated.outputs["malformed"]
    assert returncode == 2 and "--as-of" in stderr and stderr.count("\n") == 1


def test_the_daily_schedule_evaluates_its_own_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.definitions import defs

    tick = datetime(2026, 12, 15, 7, 0, tzinfo=UTC)
    warehouse = tmp_path / "meterline.duckdb"
    monkeypatch.setenv("MET_DUCKDB_PATH", str(warehouse))
    skipped = daily_dunning_schedule(build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(skipped, SkipReason) and "first billing run" in str(skipped.skip_message)
    duckdb.connect(str(warehouse)).close()
    request = daily_dunning_schedule(build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(request, RunRequest) and request.run_key == "2026-12-15"
    config = request.run_config["ops"]["receivables__dunning"]["config"]
    assert config == {"as_of_date": "2026-12-15", "evaluated_by": "schedule daily_dunning"}
    assert validate_run_config(defs.resolve_job_def("daily_dunning"), request.run_config)


def _notice_texts() -> dict[tuple[str, str], str]:
    rows = policy_seed("dunning_notice_texts")
    return {(row["text_key"], row["language_code"]): row["text"] for row in rows}


def _amount(printed: str) -> Decimal:
    """A printed amount (`1,132.27` or `1 132,27`) as a decimal."""
    digits = re.sub(r"[\s\u202f,.]", "", printed)
    return Decimal(digits).scaleb(-2)


@pytest.mark.skipif(bool(browser_tools_missing()), reason="needs make browser-tools")
def test_each_customer_reached_gets_one_notice_in_its_language(evaluated: Evaluated) -> None:
    deployment, texts = evaluated.deployment, _notice_texts()
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        customers = dict(
            con.execute(
                "select customer_id, any_value(language_code || ':' || country_code) from ledger.invoices "
                "group by customer_id"
            ).fetchall()
        )
        references = dict(
            con.execute("select invoice_number, payment_reference from ledger.payment_references").fetchall()
        )
    owed: dict[tuple[str, str], int] = {}
    for _, customer, currency, gross, _ in evaluated.sent:
        owed[(customer, currency)] = owed.get((customer, currency), 0) + gross
    for as_of, stage in ((FIRST, "reminder"), (SUSPENDED, "suspension")):
        folder = deployment.exports_dir / "notices" / as_of.isoformat()
        expected = {f"{customer}-{currency}" for _, customer, currency, *_ in evaluated.sent}
        assert {path.stem for path in folder.glob("*.pdf")} == expected
        assert {path.stem for path in folder.glob("*.html")} == expected
        for number, customer, currency, _, _ in evaluated.sent:
            language, country = customers[customer].split(":")
            html = (folder / f"{customer}-{currency}.html").read_text("utf-8")
            title = texts.get((f"notice.{stage}", language), texts[(f"notice.{stage}", "en")])
            assert f"<h1>{title}</h1>" in html
            assert number in html and references[number] in html
            total = re.search(r'id="total-due">([^<]+)<', html)
            assert total and _amount(total[1]) == Decimal(owed[(customer, currency)]).scaleb(-2)
            mention = texts.get((f"legal.{country}", language))
            assert (mention is not None) == ('id="legal-mention"' in html)
            pdf = subprocess.run(
                ["pdftotext", "-layout", str(folder / f"{customer}-{currency}.pdf"), "-"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            assert title in pdf and number in pdf
            if mention:
                assert "L441-10" in " ".join(pdf.split())
            page = open_in_chromium(folder / f"{customer}-{currency}.html")
            assert page.loaded and page.problems == [] and title in page.body_text
    assert "fr:FR" in customers.values()  # the French legal mention is checked on a real notice
    # The payment moved its document out of dunning: nobody reached a stage that day.
    assert not (deployment.exports_dir / "notices" / PAID.isoformat()).exists()


def test_a_dispute_pauses_dunning_until_it_is_resolved(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    disputed = max(number for number, *_ in evaluated.sent)
    customer = next(customer for number, customer, *_ in evaluated.sent if number == disputed)
    assert evaluated.outputs["dispute"][0] == 0 and "dispute opened" in evaluated.outputs["dispute"][1]
    assert (
        evaluated.outputs["dispute_again"][0] == 0
        and "already opened" in evaluated.outputs["dispute_again"][1]
    )
    assert evaluated.outputs["dispute_unknown"][0] == 1
    assert "not an issued invoice" in evaluated.outputs["dispute_unknown"][2]
    # One opening recorded, not two; the document is `disputed` in the receivables.
    assert evaluated.outputs["disputed_status"][1:] == ("disputed", "1")
    paused = evaluated.changes["disputed"][len(evaluated.changes["paid"]) :]
    assert [(number, was, now, rule) for _, number, was, now, rule, _ in paused] == [
        (disputed, "suspension", "none", "disputed")
    ]
    rows, _ = _handoff(deployment, DISPUTED)
    assert {row["customer_id"] for row in rows if row["action"] == "lift"} == {customer}
    assert evaluated.outputs["resolve"][0] == 0 and "dispute resolved" in evaluated.outputs["resolve"][1]
    resumed = evaluated.changes["resolved"][len(evaluated.changes["disputed"]) :]
    assert [(number, was, now) for _, number, was, now, _, _ in resumed if number == disputed] == [
        (disputed, "none", "suspension")
    ]
    rows, _ = _handoff(deployment, RESOLVED)
    assert customer in {row["customer_id"] for row in rows if row["action"] == "suspend"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_payments_and_write_offs_are_journaled_once_and_exported_for_accounting(evaluated: Evaluated) -> None:
    deployment = evaluated.deployment
    sent = {number: (customer, currency, gross) for number, customer, currency, gross, _ in evaluated.sent}
    given_up = sorted(sent)[1]
    assert evaluated.outputs["write_off_refused"][0] == 1
    assert "more than the bank-fee tolerance" in evaluated.outputs["write_off_refused"][2]
    assert evaluated.outputs["write_off"][0] == 0 and "(bad_debt)" in evaluated.outputs["write_off"][1]
    cash = deployment.exports_dir / "cash"
    # Nothing moved before the payment: no batch. The payment is the next evaluation's batch: its
    # receipt into the bank (as unapplied cash), then its application to the invoice.
    assert sorted(path.name for path in cash.iterdir()) == [PAID.isoformat(), RESOLVED.isoformat()]
    assert f"cash journal: 2 new journal(s) in batch {PAID}/1" in evaluated.outputs["paid"][1]
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        accounts = {
            (entity, currency): (bank, bad_debt)
            for entity, currency, bank, bad_debt in con.execute(
                """
                select banks.issuing_entity_id, banks.currency, bank.account_code, bad_debt.account_code
                from read_csv($banks, all_varchar = true) as banks
                inner join read_csv($accounts, all_varchar = true) as bank
                    on banks.issuing_entity_id = bank.issuing_entity_id and bank.account_role = 'bank'
                        and banks.bank_account_id = bank.match_key
                inner join read_csv($accounts, all_varchar = true) as bad_debt
                    on banks.issuing_entity_id = bad_debt.issuing_entity_id
                        and bad_debt.account_role = 'write_off' and bad_debt.match_key = 'bad_debt'
                qualify row_number() over (
                    partition by banks.issuing_entity_id, banks.currency order by banks.bank_account_id
                ) = 1
                """,
                {
                    "banks": str(SEEDS_DIR / "receivables" / "bank_accounts.csv"),
                    "accounts": str(SEEDS_DIR / "close" / "gl_accounts.csv"),
                },
            ).fetchall()
        }
        entities = dict(
            con.execute("select invoice_number, issuing_entity_id from ledger.invoices").fetchall()
        )
        status = con.execute(
            "select receivable_status, written_off_minor from marts.fct_receivables "
            "where billing_period = '2026-12' and invoice_number = ?",
            [given_up],
        ).fetchone()

    def paid(number: str, account: int, day: date, reference: str) -> dict[str, str]:
        _, currency, gross = sent[number]
        return {
            "InvoiceNumber": number,
            "AccountCode": accounts[(entities[number], currency)][account],
            "Date": day.isoformat(),
            "Amount": f"{Decimal(gross).scaleb(-2):.2f}",
            "CurrencyCode": currency,
            "Reference": reference,
        }

    assert _rows(cash / PAID.isoformat() / "batch-1" / "xero_payments.csv") == [
        paid(evaluated.paid_invoice, 0, date(2027, 1, 25), "ALC-000001")
    ]
    (written_off,) = _rows(cash / RESOLVED.isoformat() / "batch-1" / "xero_payments.csv")
    assert {**written_off, "Reference": ""} == {**paid(given_up, 1, date(2027, 1, 29), ""), "Reference": ""}
    assert status == ("written_off", sent[given_up][2])
    kinds = {PAID: ["receipt", "application"], RESOLVED: ["write_off"]}
    for day, expected_kinds in kinds.items():
        batch = cash / day.isoformat() / "batch-1"
        assert _rows(batch / "xero_payment_reversals.csv") == []
        lines = _rows(batch / "cash_journal.csv")
        journals = [lines[index : index + 2] for index in range(0, len(lines), 2)]
        assert [journal[0]["event_kind"] for journal in journals] == expected_kinds
        for first, second in journals:
            assert first["journal_id"] == second["journal_id"]
            assert first["debit"] == second["credit"] and first["credit"] == second["debit"] == "0.00"
    # The receipt credits the customer's unapplied cash, which the application then clears.
    receipt, application = (
        _rows(cash / PAID.isoformat() / "batch-1" / "cash_journal.csv")[i] for i in (1, 2)
    )
    assert receipt["account_role"] == application["account_role"] == "unapplied_cash"
    assert receipt["credit"] == application["debit"]
