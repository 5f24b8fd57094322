"""Load bank statements from landing/bank/<bank_account_id>/ into the raw schema.

Files are read by content (camt XML, MT940), or with the declared CSV layout of an account
whose statement format is `csv` (csv_statement.py). Every entry of a readable file lands in
raw.bank_entries with its file, position and the file's SHA-256, each statement's opening
and closing balance in raw.bank_statements; a file is loaded once per content (re-dropping
it changes nothing); an unreadable file is recorded in raw.bank_files as rejected with the
reader's reason, and the other files still load.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.receivables.camt import read_camt
from orchestration.receivables.csv_statement import CsvLayout, read_csv_statement, read_layouts
from orchestration.receivables.entries import BankEntry, BankFile, BankFileRejected
from orchestration.receivables.mt940_reader import read_mt940
from orchestration.receivables.payment_references import RECEIVABLES_SEEDS_DIR

BANK_FOLDER = "bank"

# Raw columns are text, as for every other raw table: staging owns the types.
_ENTRY_COLUMNS = [name for name in BankEntry.__dataclass_fields__ if name not in ("file_name", "file_sha256")]
_DDL = (
    "create schema if not exists raw",
    """create table if not exists raw.bank_files (
        _source_file varchar, _file_sha256 varchar, bank_account_id varchar,
        status varchar, entry_count bigint, error varchar)""",
    """create table if not exists raw.bank_statements (
        bank_account_id varchar, statement_id varchar, statement_sequence varchar, statement_index varchar,
        currency varchar, opening_balance varchar, closing_balance varchar,
        _source_file varchar, _file_sha256 varchar)""",
    "create table if not exists raw.bank_entries (bank_account_id varchar, "
    + ", ".join(f"{name} varchar" for name in _ENTRY_COLUMNS)
    + ", _source_file varchar, _source_row bigint, _file_sha256 varchar)",
)


@dataclass
class BankLoadReport:
    """Per file outcome of one load of landing/bank."""

    loaded: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)


def _read(path: Path, layout: CsvLayout | None) -> BankFile:
    if layout is not None:
        return read_csv_statement(path, layout)
    # The format is told by the content, not the name: banks name files as they like.
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return read_camt(path)
    if b":20:" in path.read_bytes():
        return read_mt940(path)
    raise BankFileRejected(f"{path.name}: neither camt XML nor MT940")


def _batch(entries: list[BankEntry], account: str, source_file: str) -> pa.Table:
    rows = [asdict(entry) for entry in entries]
    columns = {"bank_account_id": pa.array([account] * len(rows), pa.string())}
    for name in _ENTRY_COLUMNS:
        columns[name] = pa.array([None if row[name] is None else str(row[name]) for row in rows], pa.string())
    columns["_source_file"] = pa.array([source_file] * len(rows), pa.string())
    columns["_source_row"] = pa.array([entry.entry_position + 1 for entry in entries], pa.int64())
    columns["_file_sha256"] = pa.array([entry.file_sha256 for entry in entries], pa.string())
    return pa.table(columns)


def ensure_bank_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw bank tables, so staging builds also before any statement arrived."""
    for statement in _DDL:
        con.execute(statement)


def _csv_accounts(seeds_dir: Path) -> tuple[set[str], dict[str, CsvLayout]]:
    """The accounts declared as sending CSV exports, and the layouts declared."""
    with (seeds_dir / "bank_accounts.csv").open(newline="", encoding="utf-8") as handle:
        accounts = list(csv.DictReader(handle))
    currencies = {row["bank_account_id"]: row["currency"] for row in accounts}
    declared_csv = {row["bank_account_id"] for row in accounts if row["statement_format"] == "csv"}
    return declared_csv, read_layouts(seeds_dir, currencies)


def load_bank_files(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, seeds_dir: Path = RECEIVABLES_SEEDS_DIR
) -> BankLoadReport:
    """Load every bank file under landing_dir/bank not yet loaded with this content."""
    ensure_bank_tables(con)
    declared_csv, layouts = _csv_accounts(seeds_dir)
    report = BankLoadReport()
    root = landing_dir / BANK_FOLDER
    known = set(con.execute("select _source_file, _file_sha256 from raw.bank_files").fetchall())
    for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
        source_file = path.relative_to(landing_dir).as_posix()
        account = path.relative_to(root).parts[0] if len(path.relative_to(root).parts) > 1 else ""
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        if (source_file, sha256) in known:
            report.unchanged.append(source_file)
            continue
        con.execute("begin transaction")
        try:
            if not account:
                raise BankFileRejected(f"{path.name}: not in a landing/bank/<bank_account_id>/ folder")
            if account in declared_csv and account not in layouts:
                raise BankFileRejected(
                    f"{path.name}: {account} sends CSV, but no layout is declared for it in "
                    "seeds/receivables/bank_csv_layouts.csv"
                )
            parsed = _read(path, layouts.get(account) if account in declared_csv else None)
        except BankFileRejected as error:
            con.execute(
                "insert into raw.bank_files values (?, ?, ?, 'rejected', 0, ?)",
                [source_file, sha256, account or None, f"{source_file}: {error}"],
            )
            con.execute("commit")
            report.rejected[source_file] = str(error)
            continue
        entries = parsed.entries
        for balance in parsed.balances:
            con.execute(
                "insert into raw.bank_statements values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    account,
                    balance.statement_id,
                    balance.statement_sequence,
                    str(balance.statement_index),
                    balance.currency,
                    str(balance.opening_balance),
                    str(balance.closing_balance),
                    source_file,
                    sha256,
                ],
            )
        if entries:
            con.register("bank_batch", _batch(entries, account, source_file))
            con.execute("insert into raw.bank_entries by name select * from bank_batch")
            con.unregister("bank_batch")
        con.execute(
            "insert into raw.bank_files values (?, ?, ?, 'loaded', ?, null)",
            [source_file, sha256, account, len(entries)],
        )
        con.execute("commit")
        report.loaded[source_file] = len(entries)
    return report
