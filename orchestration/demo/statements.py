"""How the demo customers pay the demo month's invoices: the next month's bank statements.

Once the demo month is closed and its invoices sent, `meterline demo statements` writes what
the banks send in the weeks after, in the formats the accounts declare
(seeds/receivables/bank_accounts.csv: camt.053 for the EUR, SEK and NOK accounts, MT940 for
the US dollar account), with the mix a credit controller meets:

- CUST-FI01 pays by Finnish reference, less a 45.00 SEK bank fee: a write-off proposal.
- CUST-FR01 pays exactly by RF reference; the payer's bank returns it four days later
  (open again), and CUST-FR01 pays again in the month's last days. That payment is in its
  day's statement and again in the weekly one: one payment, one duplicate.
- CUST-US01 names its invoice number in the text and pays 100.00 USD too much: paid, and the
  rest is its unapplied cash (`payment_overpaid`).
- A payment service pays for CUST-ET01 and CUST-ID01 in one transfer naming both invoices,
  short of the second: one paid, one partly paid, oldest due first.
- A transfer nothing identifies: unapplied, `payment_unidentified`.
- The bank credits interest on the NOK account: declared non-customer money.

CUST-NO01's invoice is held for approval in the demo (high value): never sent, never paid.
Each camt account gets a statement per booking day, balances chained (and the weekly one);
the US dollar account a monthly MT940 statement.

It also writes `truth/<period>/receivables.json`: each entry's expected state, reason and allocations,
and each document's status, open amount, ageing bucket and dunning stage as of `truth_date`,
computed here from the scenario and the policy seeds, never by meterline's own SQL.
Deterministic: no clock, no randomness; the same invoices give the same bytes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb

from orchestration.wiring.money import decimal_text, minor_units
from orchestration.wiring.settings import PROJECT_DIR

RECEIVABLES_SEEDS = PROJECT_DIR / "seeds" / "receivables"
CAMT_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
# Each account's balance before the month's first entry; only the arithmetic matters.
OPENING_MINOR = {"fr1-eur": 1_250_000, "fr1-sek-fi": 4_200_000, "no1-nok": 9_875_000, "us1-usd": 12_500_000}
# rpt_aged_receivables' columns and the most days past due each holds, in order.
AGEING_BUCKETS = ((0, "current"), (30, "past_due_1_30"), (60, "past_due_31_60"), (90, "past_due_61_90"))

SENT_DOCUMENTS = """
select
    documents.invoice_number, documents.issuing_entity_id, documents.customer_id,
    documents.customer_name, documents.currency_code, documents.minor_units,
    documents.gross_amount_minor, documents.due_date, documents.payment_reference
from staging.stg_ledger__receivable_documents as documents
inner join intermediate.int_documents__approval_states as approvals
    on documents.invoice_number = approvals.invoice_number
where documents.billing_period = ?
    and documents.document_type in ('invoice', 'debit_note')
    and approvals.approval_status <> 'held'
order by documents.invoice_number
"""


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount_minor: int
    match_rule: str


@dataclass
class Movement:
    """One booked entry as the bank reports it, and what meterline must make of it."""

    account: str
    booked: date
    amount_minor: int  # signed: money in is positive
    currency: str
    bank_reference: str
    end_to_end_id: str
    scenario: str
    counterparty: str | None = None
    counterparty_iban: str | None = None
    text: str | None = None
    creditor_reference: str | None = None
    expected_state: str | None = None
    expected_reason: str | None = None
    allocations: list[Allocation] = field(default_factory=list)


class StatementsError(RuntimeError):
    """The warehouse holds no sent invoice of the period to pay, or one the scenario needs."""


def paying_month(period: str) -> tuple[date, date]:
    """First and last day of the month after `period`: when the customers pay (issue + 30 days)."""
    year, month = int(period[:4]), int(period[5:7])
    first = date(year + month // 12, month % 12 + 1, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def truth_date(period: str) -> date:
    """The day truth's statuses, ageing and stages are given for: the end of the month after the
    paying month, a month past the demo invoices' due date (2026-12-31 for 2026-10)."""
    _, last = paying_month(paying_month(period)[1].strftime("%Y-%m"))
    return last


def _seed(name: str) -> list[dict[str, str]]:
    with (RECEIVABLES_SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _accounts() -> dict[tuple[str, str], dict[str, str]]:
    """The statement account of each (issuing entity, currency); a CSV sweep account is not."""
    accounts: dict[tuple[str, str], dict[str, str]] = {}
    for row in _seed("bank_accounts"):
        if row["statement_format"] != "csv":
            accounts.setdefault((row["issuing_entity_id"], row["currency"]), row)
    return accounts


def _movements(documents: dict[str, dict[str, Any]], period: str) -> list[Movement]:
    """The scenario of the module docstring on the demo's sent invoices, by customer."""
    first, last = paying_month(period)

    def on(day: int) -> date:
        return min(first + timedelta(days=day - 1), last)

    def ref(prefix: str, booked: date, number: int) -> str:
        return f"{prefix}-B{booked:%y%m%d}{number:04d}"

    repeated = last - timedelta(days=3)  # the first day of the weekly statement (see _files)

    by_customer = {document["customer_id"]: document for document in documents.values()}
    needed = ["CUST-FI01", "CUST-FR01", "CUST-US01", "CUST-ET01", "CUST-ID01"]
    missing = [customer for customer in needed if customer not in by_customer]
    if missing:
        listed = ", ".join(missing)
        raise StatementsError(f"no sent invoice for {listed}: close and approve the demo month first")
    accounts = _accounts()

    def account(document: dict[str, Any]) -> str:
        return accounts[(document["issuing_entity_id"], document["currency_code"])]["bank_account_id"]

    fi, fr, us = by_customer["CUST-FI01"], by_customer["CUST-FR01"], by_customer["CUST-US01"]
    et, id_ = by_customer["CUST-ET01"], by_customer["CUST-ID01"]
    nok_account = accounts[("NO1", "NOK")]["bank_account_id"]
    fee = 4_500  # 45.00 SEK kept by the payer's bank: within the SEK bank-fee tolerance
    partial = 100_000  # what the payment service passes on for CUST-ID01 beyond CUST-ET01's invoice
    overpaid = 10_000
    atelier, atelier_iban = "Atelier Lumière SAS", "FR7610107001011234567890129"
    movements = [
        Movement(
            account(fr), on(20), fr["gross_amount_minor"], fr["currency_code"],
            ref("FR1", on(20), 11), "ATELIER-LUM-7781", "returned_payment", atelier, atelier_iban,
            creditor_reference=fr["payment_reference"], expected_state="returned",
        ),
        Movement(
            account(fr), on(24), -fr["gross_amount_minor"], fr["currency_code"],
            ref("FR1", on(24), 4), "ATELIER-LUM-7781", "returned_payment", atelier, atelier_iban,
            text="RETOUR VIREMENT AC04 COMPTE CLOTURE",
        ),
        Movement(
            account(fr), repeated, fr["gross_amount_minor"], fr["currency_code"],
            ref("FR1", repeated, 2), "ATELIER-LUM-7790", "exact_reference_repeated", atelier, atelier_iban,
            creditor_reference=fr["payment_reference"], expected_state="applied",
            allocations=[Allocation(fr["invoice_number"], fr["gross_amount_minor"], "structured_reference")],
        ),
        Movement(
            account(fi), on(30), fi["gross_amount_minor"] - fee, fi["currency_code"],
            ref("FI-SEK", on(30), 3), "REVONTULI-INV-1101", "bank_fee_deducted",
            counterparty="Revontuli Labs Oy", creditor_reference=fi["payment_reference"],
            expected_state="applied",
            allocations=[
                Allocation(fi["invoice_number"], fi["gross_amount_minor"] - fee, "structured_reference")
            ],
        ),
        Movement(
            nok_account, on(30), 1_240, "NOK", ref("NO1", on(30), 7), "NOTPROVIDED",
            "bank_interest", counterparty="Interest", text=f"Interest {first:%B %Y}",
            expected_state="non_customer",
        ),
        Movement(
            account(us), on(25), us["gross_amount_minor"] + overpaid, us["currency_code"],
            ref("US1", on(25), 2), "NOTPROVIDED", "invoice_number_in_text_overpaid",
            text=f"REDWOOD SIGNAL INC PAYMENT INVOICE {us['invoice_number']}",
            expected_state="partly_applied", expected_reason="payment_overpaid",
            allocations=[
                Allocation(us["invoice_number"], us["gross_amount_minor"], "invoice_number_in_text")
            ],
        ),
        Movement(
            account(us), on(26), 12_000, us["currency_code"], ref("US1", on(26), 5),
            "NOTPROVIDED", "unidentified", text="ACH CREDIT CONSULTING SERVICES",
            expected_state="unapplied", expected_reason="payment_unidentified",
        ),
        Movement(
            account(et), on(28), et["gross_amount_minor"] + partial, et["currency_code"],
            ref("US1", on(28), 9), "NOTPROVIDED", "one_transfer_two_invoices_partial",
            text=f"GLOBAL PAYOUT SERVICES FOR CLIENTS INV {et['invoice_number']} {id_['invoice_number']}",
            expected_state="applied",
            allocations=[
                Allocation(et["invoice_number"], et["gross_amount_minor"], "invoice_number_in_text"),
                Allocation(id_["invoice_number"], partial, "invoice_number_in_text"),
            ],
        ),
    ]  # fmt: skip
    return movements


def _amount(minor: int, units: int) -> str:
    return decimal_text(abs(minor), units)


def _sub(
    parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _balance(
    statement: ElementTree.Element, code: str, minor: int, currency: str, units: int, day: date
) -> None:
    balance = _sub(statement, "Bal")
    _sub(_sub(_sub(balance, "Tp"), "CdOrPrtry"), "Cd", code)
    _sub(balance, "Amt", _amount(minor, units), Ccy=currency)
    _sub(balance, "CdtDbtInd", "CRDT" if minor >= 0 else "DBIT")
    _sub(_sub(balance, "Dt"), "Dt", day.isoformat())


def _camt_entry(statement: ElementTree.Element, movement: Movement, units: int) -> None:
    credit = movement.amount_minor > 0
    entry = _sub(statement, "Ntry")
    _sub(entry, "Amt", _amount(movement.amount_minor, units), Ccy=movement.currency)
    _sub(entry, "CdtDbtInd", "CRDT" if credit else "DBIT")
    _sub(_sub(entry, "Sts"), "Cd", "BOOK")
    _sub(_sub(entry, "BookgDt"), "Dt", movement.booked.isoformat())
    _sub(_sub(entry, "ValDt"), "Dt", movement.booked.isoformat())
    _sub(entry, "AcctSvcrRef", movement.bank_reference)
    domain = _sub(_sub(entry, "BkTxCd"), "Domn")
    _sub(domain, "Cd", "PMNT")
    kind = _sub(domain, "Fmly")
    _sub(kind, "Cd", "RCDT")
    _sub(kind, "SubFmlyCd", "ESCT" if credit else "RRTN")
    details = _sub(_sub(entry, "NtryDtls"), "TxDtls")
    _sub(_sub(details, "Refs"), "EndToEndId", movement.end_to_end_id)
    _sub(details, "Amt", _amount(movement.amount_minor, units), Ccy=movement.currency)
    if movement.counterparty or movement.counterparty_iban:
        parties = _sub(details, "RltdPties")
        role = "Dbtr" if credit else "Cdtr"
        if movement.counterparty:
            _sub(_sub(_sub(parties, role), "Pty"), "Nm", movement.counterparty)
        if movement.counterparty_iban:
            _sub(_sub(_sub(parties, f"{role}Acct"), "Id"), "IBAN", movement.counterparty_iban)
    if movement.text or movement.creditor_reference:
        remittance = _sub(details, "RmtInf")
        if movement.text:
            _sub(remittance, "Ustrd", movement.text)
        if movement.creditor_reference:
            reference = _sub(_sub(remittance, "Strd"), "CdtrRefInf")
            _sub(_sub(_sub(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            _sub(reference, "Ref", movement.creditor_reference)
    if not credit:
        _sub(_sub(_sub(details, "RtrInf"), "Rsn"), "Cd", "AC04")


def camt053(
    statement_id: str, sequence: int, iban: str, currency: str, units: int,
    opening_minor: int, movements: list[Movement], first: date, last: date,
) -> bytes:  # fmt: skip
    """One camt.053.001.08 statement of `movements`, booked from `first` to `last`."""
    ElementTree.register_namespace("", CAMT_NAMESPACE)
    document = ElementTree.Element(f"{{{CAMT_NAMESPACE}}}Document")
    message = _sub(document, "BkToCstmrStmt")
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", f"MSG-{statement_id}")
    _sub(header, "CreDtTm", f"{last.isoformat()}T20:00:00")
    statement = _sub(message, "Stmt")
    _sub(statement, "Id", statement_id)
    _sub(statement, "ElctrncSeqNb", str(sequence))
    _sub(statement, "CreDtTm", f"{last.isoformat()}T20:00:00")
    period = _sub(statement, "FrToDt")
    _sub(period, "FrDtTm", f"{first.isoformat()}T00:00:00")
    _sub(period, "ToDtTm", f"{last.isoformat()}T23:59:59")
    account = _sub(statement, "Acct")
    _sub(_sub(account, "Id"), "IBAN", iban)
    _sub(account, "Ccy", currency)
    closing = opening_minor + sum(movement.amount_minor for movement in movements)
    _balance(statement, "OPBD", opening_minor, currency, units, first)
    _balance(statement, "CLBD", closing, currency, units, last)
    for movement in movements:
        _camt_entry(statement, movement, units)
    for element in document.iter():
        element.tag = element.tag if element.tag.startswith("{") else f"{{{CAMT_NAMESPACE}}}{element.tag}"
    ElementTree.indent(document)
    return ElementTree.tostring(document, encoding="UTF-8", xml_declaration=True) + b"\n"


def _mt940_amount(minor: int, units: int) -> str:
    return _amount(minor, units).replace(".", ",")


def mt940(
    reference: str, account_number: str, number: str, currency: str, units: int,
    opening_minor: int, movements: list[Movement], first: date, last: date,
) -> bytes:  # fmt: skip
    """One MT940 statement of `movements` (:61: value and entry date, :86: the payer's text)."""

    def balance(tag: str, minor: int, day: date) -> str:
        mark = "C" if minor >= 0 else "D"
        return f":{tag}:{mark}{day:%y%m%d}{currency}{_mt940_amount(minor, units)}"

    lines = [
        f":20:{reference}",
        f":25:{account_number}",
        f":28C:{number}",
        balance("60F", opening_minor, first),
    ]
    for movement in movements:
        mark = "C" if movement.amount_minor > 0 else "D"
        amount = _mt940_amount(movement.amount_minor, units)
        lines.append(f":61:{movement.booked:%y%m%d%m%d}{mark}{amount}NTRFNONREF//{movement.bank_reference}")
        lines.append(f":86:{movement.text or ''}")
    closing = opening_minor + sum(movement.amount_minor for movement in movements)
    lines += [balance("62F", closing, last), "-"]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _files(movements: list[Movement], period: str) -> dict[str, bytes]:
    """landing/bank/<account>/<file> -> bytes (see the module docstring)."""
    first, last = paying_month(period)
    # The weekly statement of the paying month's last four days repeats its entries.
    week = (last - timedelta(days=3), last)
    units = minor_units()
    accounts = {row["bank_account_id"]: row for row in _seed("bank_accounts")}
    by_account: dict[str, list[Movement]] = {}
    for movement in sorted(movements, key=lambda m: (m.account, m.booked, m.bank_reference)):
        by_account.setdefault(movement.account, []).append(movement)
    files: dict[str, bytes] = {}
    for account, booked in by_account.items():
        declared = accounts[account]
        currency, balance = declared["currency"], OPENING_MINOR[account]
        if declared["statement_format"] == "mt940":
            files[f"{account}/{first:%Y-%m}.sta"] = mt940(
                f"{account.upper()}-{first:%y%m}", "021000021/4810092735", f"{first:%m}/1", currency,
                units[currency], balance, booked, first, last,
            )  # fmt: skip
            continue
        days = sorted({movement.booked for movement in booked})
        for day in days:
            of_day = [movement for movement in booked if movement.booked == day]
            files[f"{account}/{day.isoformat()}.camt053.xml"] = camt053(
                f"{account.upper()}-{day:%Y%m%d}", int(f"{day:%j}"), declared["iban"], currency,
                units[currency], balance, of_day, day, day,
            )  # fmt: skip
            if account == "fr1-eur" and day == week[0]:
                files[f"{account}/{week[0]:%G-w%V}.camt053.xml"] = camt053(
                    f"{account.upper()}-{week[0]:%GW%V}", int(f"{week[0]:%V}"), declared["iban"], currency,
                    units[currency], balance, [m for m in booked if week[0] <= m.booked <= week[1]], *week,
                )  # fmt: skip
            balance += sum(movement.amount_minor for movement in of_day)
    return files


def payment_file(document: dict[str, Any], booked: date) -> tuple[str, bytes]:
    """One statement paying `document` in full on `booked`, by its structured reference (by its
    number in the text on an MT940 account): its path under landing/bank/ and its bytes."""
    declared = _accounts()[(document["issuing_entity_id"], document["currency_code"])]
    account, currency = declared["bank_account_id"], document["currency_code"]
    units = minor_units()[currency]
    movement = Movement(
        account, booked, document["gross_amount_minor"], currency,
        f"PAY-{document['invoice_number']}", f"E2E-{document['invoice_number']}", "paid_in_full",
        counterparty=document.get("customer_name"), creditor_reference=document["payment_reference"],
        text=f"INVOICE {document['invoice_number']}",
    )  # fmt: skip
    if declared["statement_format"] == "mt940":
        content = mt940(f"PAY-{booked:%y%m%d}", "021000021/4810092735", "1/1", currency, units,
                        OPENING_MINOR[account], [movement], booked, booked)  # fmt: skip
        return f"{account}/{booked.isoformat()}-payment.sta", content
    content = camt053(f"PAY-{booked:%Y%m%d}", 1, declared["iban"], currency, units,
                      OPENING_MINOR[account], [movement], booked, booked)  # fmt: skip
    return f"{account}/{booked.isoformat()}-payment.camt053.xml", content


def _stage(segment_stages: list[dict[str, str]], days_past_due: int) -> str:
    reached = [row for row in segment_stages if days_past_due >= int(row["days_after_due"])]
    return max(reached, key=lambda row: int(row["stage_order"]))["stage"] if reached else "none"


def _documents_truth(
    documents: dict[str, dict[str, Any]], movements: list[Movement], as_of: date
) -> dict[str, Any]:
    """Each sent document as of `as_of`: status, open amount, ageing bucket, dunning stage."""
    segments = {row["customer_id"]: row["segment"] for row in _seed("dunning_segments")}
    minimums = {
        (row["segment"], row["currency_code"]): int(row["minimum_overdue_minor"])
        for row in _seed("dunning_minimums")
    }
    stages = _seed("dunning_stages")
    paid: dict[str, int] = {}
    for movement in movements:
        for allocation in movement.allocations:
            paid[allocation.invoice_number] = paid.get(allocation.invoice_number, 0) + allocation.amount_minor
    truth: dict[str, Any] = {}
    overdue_by_customer: dict[tuple[str, str], int] = {}
    for number, document in documents.items():
        open_minor = document["gross_amount_minor"] - paid.get(number, 0)
        days = max((as_of - document["due_date"]).days, 0)
        if open_minor <= 0:
            status = "paid"
        elif document["due_date"] < as_of:
            status = "overdue"
        else:
            status = "partly_paid" if paid.get(number) else "open"
        bucket: str | None = next(
            (name for limit, name in AGEING_BUCKETS if days <= limit), "past_due_over_90"
        )
        if open_minor <= 0:
            bucket = None  # only what is still owed is aged
        truth[number] = {
            "status": status,
            "open_minor": open_minor,
            "days_past_due": days,
            "ageing_bucket": bucket,
        }
        if open_minor > 0 and days > 0:
            key = (document["customer_id"], document["currency_code"])
            overdue_by_customer[key] = overdue_by_customer.get(key, 0) + open_minor
    for number, document in documents.items():
        row = truth[number]
        segment = segments.get(document["customer_id"], "standard")
        overdue = overdue_by_customer.get((document["customer_id"], document["currency_code"]), 0)
        dunned = row["open_minor"] > 0 and row["days_past_due"] > 0
        reaches = overdue >= minimums.get((segment, document["currency_code"]), 0)
        segment_stages = [stage for stage in stages if stage["segment"] == segment]
        # An overdue document below its segment's minimum is listed at stage `none`.
        stage = _stage(segment_stages, row["days_past_due"]) if reaches else "none"
        row["dunning_stage"] = stage if dunned else None
    return truth


def write_statements(con: duckdb.DuckDBPyConnection, period: str, out: Path) -> dict[str, Any]:
    """Write the statements paying `period`'s sent invoices under out/landing/bank and their
    truth to out/truth/<period>/receivables.json; returns the truth."""
    rows = con.execute(SENT_DOCUMENTS, [period]).fetchall()
    columns = [description[0] for description in con.description]
    documents = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    if not documents:
        raise StatementsError(f"no sent invoice of {period} in the warehouse: close and approve it first")
    movements = _movements(documents, period)
    as_of = truth_date(period)
    for relative, content in _files(movements, period).items():
        path = out / "landing" / "bank" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    truth = {
        "billing_period": period,
        "as_of_date": as_of.isoformat(),
        "entries": [
            {
                "bank_account_id": movement.account,
                "bank_reference": movement.bank_reference,
                "booking_date": movement.booked.isoformat(),
                "amount_minor": movement.amount_minor,
                "currency_code": movement.currency,
                "scenario": movement.scenario,
                "entry_state": movement.expected_state,
                "reason_code": movement.expected_reason,
                "allocations": [
                    {
                        "invoice_number": a.invoice_number,
                        "amount_minor": a.amount_minor,
                        "match_rule": a.match_rule,
                    }
                    for a in movement.allocations
                ],
            }
            for movement in movements
            if movement.amount_minor > 0
        ],
        "documents": _documents_truth(documents, movements, as_of),
        # CUST-FR01's second payment is in two statements: one payment, one duplicate.
        "duplicates": [
            {"bank_account_id": m.account, "bank_reference": m.bank_reference, "copies": 2}
            for m in movements
            if m.scenario == "exact_reference_repeated"
        ],
        "document_exceptions": {
            number: "short_payment_write_off_proposed"
            for number, document in documents.items()
            if document["customer_id"] == "CUST-FI01"
        },
    }
    truth_path = out / "truth" / period / "receivables.json"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(json.dumps(truth, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return truth
