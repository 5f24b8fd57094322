"""Read ISO 20022 camt.053 (statements) and camt.054 (notifications), versions 001.02 to 001.08.

A namespace-agnostic ElementTree reader: the versions differ in namespace and in a few
wrappers (``Dbtr/Nm`` became ``Dbtr/Pty/Nm``, ``Dt`` may be ``DtTm``), not in the fields a
payment match needs, so one reader serves all of them without a schema per version.
A file the reader cannot make sense of is rejected whole, naming the file and element.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

from orchestration.receivables.entries import BankEntry, BankFile, BankFileRejected, StatementBalance

# Record element per message kind: a statement (053) or a debit/credit notification (054).
_RECORDS = {"BkToCstmrStmt": "Stmt", "BkToCstmrDbtCdtNtfctn": "Ntfctn"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: ElementTree.Element) -> None:
    # Every camt version has its own namespace; the element names are what we rely on.
    for element in root.iter():
        element.tag = _local(element.tag)


def _text(element: ElementTree.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _date(element: ElementTree.Element | None, path: str) -> date | None:
    # Dates come as Dt (a plain date) or DtTm (a timestamp): the booking day is the
    # bank's own calendar day, so the local date part is kept, not converted to UTC.
    value = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")
    if value is None:
        return None
    return datetime.fromisoformat(value[:10]).date()


def _party(details: ElementTree.Element | None, role: str) -> tuple[str | None, str | None]:
    parties = None if details is None else details.find("RltdPties")
    name = _text(parties, f"{role}/Pty/Nm") or _text(parties, f"{role}/Nm")
    iban = _text(parties, f"{role}Acct/Id/IBAN")
    return name, iban


def _entry(
    ntry: ElementTree.Element,
    header: dict[str, str | None],
    position: int,
    statement_index: int,
    context: dict[str, str],
) -> BankEntry:
    amount_element = ntry.find("Amt")
    indicator = _text(ntry, "CdtDbtInd")
    if amount_element is None or amount_element.text is None or indicator not in ("CRDT", "DBIT"):
        raise BankFileRejected(f"{context['file_name']}: Ntry #{position + 1} lacks Amt or CdtDbtInd")
    try:
        magnitude = Decimal(amount_element.text.strip())
    except InvalidOperation as error:
        raise BankFileRejected(
            f"{context['file_name']}: Ntry #{position + 1}/Amt is not a number: {amount_element.text!r}"
        ) from error
    details = ntry.find("NtryDtls/TxDtls")
    # The counterparty is whoever is on the other side: the debtor of money received,
    # the creditor of money paid out.
    name, iban = _party(details, "Dbtr" if indicator == "CRDT" else "Cdtr")
    unstructured = [e.text.strip() for e in ntry.iterfind("NtryDtls/TxDtls/RmtInf/Ustrd") if e.text]
    return BankEntry(
        file_name=context["file_name"],
        file_sha256=context["file_sha256"],
        message_kind=context["message_kind"],
        statement_id=header["statement_id"] or "",
        statement_sequence=header["statement_sequence"],
        statement_index=statement_index,
        account_id=header["account_id"],
        entry_position=position,
        booking_date=_date(ntry, "BookgDt"),
        value_date=_date(ntry, "ValDt"),
        amount=magnitude if indicator == "CRDT" else -magnitude,
        currency=amount_element.get("Ccy", ""),
        credit_debit=indicator,
        counterparty_name=name,
        counterparty_iban=iban,
        remittance_text=" ".join(unstructured) or None,
        creditor_reference=_text(details, "RmtInf/Strd/CdtrRefInf/Ref"),
        end_to_end_id=_text(details, "Refs/EndToEndId"),
        bank_reference=_text(ntry, "AcctSvcrRef"),
    )


# Opening: booked opening balance, or the previous closing where a bank sends that instead.
_OPENING_CODES = ("OPBD", "PRCD")


def _balance(record: ElementTree.Element, codes: tuple[str, ...]) -> tuple[Decimal, str] | None:
    for bal in record.findall("Bal"):
        if _text(bal, "Tp/CdOrPrtry/Cd") in codes:
            amount = bal.find("Amt")
            if amount is None or amount.text is None:
                return None
            value = Decimal(amount.text.strip())
            return (-value if _text(bal, "CdtDbtInd") == "DBIT" else value), amount.get("Ccy", "")
    return None


def _statement_balance(record: ElementTree.Element, index: int) -> StatementBalance | None:
    # Notifications (camt.054) carry no balances; a statement without both is not checkable.
    opening, closing = _balance(record, _OPENING_CODES), _balance(record, ("CLBD",))
    if opening is None or closing is None:
        return None
    return StatementBalance(
        statement_id=_text(record, "Id") or "",
        statement_sequence=_text(record, "ElctrncSeqNb") or _text(record, "LglSeqNb"),
        statement_index=index,
        currency=closing[1],
        opening_balance=opening[0],
        closing_balance=closing[0],
    )


def read_camt(path: Path) -> BankFile:
    """Every entry of a camt.053/054 file in document order; BankFileRejected if unreadable."""
    raw = path.read_bytes()
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as error:
        raise BankFileRejected(f"{path.name}: not well-formed XML ({error})") from error
    _strip_namespaces(root)
    message = next((child for child in root if child.tag in _RECORDS), None)
    if message is None:
        raise BankFileRejected(f"{path.name}: no BkToCstmrStmt or BkToCstmrDbtCdtNtfctn under Document")
    records = message.findall(_RECORDS[message.tag])
    if not records:
        raise BankFileRejected(f"{path.name}: {message.tag} holds no {_RECORDS[message.tag]} element")
    context = {
        "file_name": path.name,
        "file_sha256": hashlib.sha256(raw).hexdigest(),
        "message_kind": "camt.053" if message.tag == "BkToCstmrStmt" else "camt.054",
    }
    entries: list[BankEntry] = []
    balances: list[StatementBalance] = []
    for index, record in enumerate(records):
        # Read once per statement: a missing element costs a scan of all its entries.
        header = {
            "statement_id": _text(record, "Id"),
            "statement_sequence": _text(record, "ElctrncSeqNb") or _text(record, "LglSeqNb"),
            "account_id": _text(record, "Acct/Id/IBAN") or _text(record, "Acct/Id/Othr/Id"),
        }
        for ntry in record.findall("Ntry"):
            entries.append(_entry(ntry, header, len(entries), index, context))
        try:
            balance = _statement_balance(record, index)
        except InvalidOperation as error:
            raise BankFileRejected(f"{path.name}: Bal/Amt is not a number") from error
        if balance is not None:
            balances.append(balance)
    return BankFile(entries, balances)
