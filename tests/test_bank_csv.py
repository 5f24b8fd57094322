"""Plain CSV bank exports, read with the layout declared for their account.

The demo's `us1-usd-sweep` account is declared with the column layout of a US business bank's
CSV download (Details, Posting Date, Description, Amount, Type, Balance, Check or Slip #);
a Nordic layout (semicolons, decimal commas, credit and debit columns, Latin-1) is read with
a layout built in the test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.receivables.bank_load import load_bank_files
from orchestration.receivables.csv_statement import CsvLayout, read_csv_statement
from orchestration.receivables.entries import BankFileRejected
from tests.adapter_support import dbt_build, query

HEADER = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\n"
# Data rows end with one more comma than the header, as this bank writes them.
WEEK = (
    'CREDIT,12/02/2026,"ORIG CO NAME:TRANQUIL LABS INC, ORIG ID:1234 DESC:US1-2026-000003",2875.01,'
    "ACH_CREDIT,10875.01,,\n"
    "DEBIT,12/03/2026,MONTHLY SERVICE FEE,-15.00,FEE_TRANSACTION,10860.01,,\n"
)
MONTH_REST = 'CREDIT,12/18/2026,WIRE FROM ACME CORP,"1,200.50",WIRE_INCOMING,12060.51,,\n'


def _landing(tmp_path: Path) -> Path:
    sweep = tmp_path / "landing" / "bank" / "us1-usd-sweep"
    sweep.mkdir(parents=True)
    (sweep / "Chase1234_Activity_20261207.CSV").write_text(HEADER + WEEK, encoding="utf-8")
    # The month's download repeats the first week: the same movements, not new payments.
    (sweep / "Chase1234_Activity_20261231.CSV").write_text(HEADER + WEEK + MONTH_REST, encoding="utf-8")
    (sweep / "Chase1234_Activity_broken.CSV").write_text(
        HEADER + "CREDIT,2026-12-19,WIRE,10.00,WIRE_INCOMING,1.00,,\n", encoding="utf-8"
    )
    return tmp_path / "landing"


def test_a_declared_csv_export_loads_and_a_repeated_download_is_duplicates(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    warehouse = tmp_path / "meterline.duckdb"
    con = duckdb.connect(str(warehouse))
    report = load_bank_files(con, landing)
    again = load_bank_files(con, landing)
    con.close()
    assert report.loaded == {
        "bank/us1-usd-sweep/Chase1234_Activity_20261207.CSV": 2,
        "bank/us1-usd-sweep/Chase1234_Activity_20261231.CSV": 3,
    }
    assert report.rejected == {
        "bank/us1-usd-sweep/Chase1234_Activity_broken.CSV": (
            "line 2, column 'Posting Date': '2026-12-19' is not a date as %m/%d/%Y"
        )
    }
    assert again.loaded == {} and len(again.unchanged) == 3  # the rejected file too

    dbt_build(warehouse, tmp_path, "stg_bank__entries", period="2026-12")
    rows = query(
        warehouse,
        """
        select source_file, is_duplicate, booking_date, value_date, amount, currency, credit_debit,
            remittance_text, quarantine_reason
        from staging.stg_bank__entries order by source_file, source_row
        """,
    )
    # Every raw entry is one staging row; the month's copies of the first week are duplicates.
    assert len(rows) == 5
    kept = [row[2:] for row in rows if not row[1]]
    day1, day3, day18 = date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 18)
    assert kept == [
        (day1, day1, Decimal("2875.01000"), "USD", "CRDT",
         "ORIG CO NAME:TRANQUIL LABS INC, ORIG ID:1234 DESC:US1-2026-000003", None),
        (day3, day3, Decimal("-15.00000"), "USD", "DBIT", "MONTHLY SERVICE FEE", None),
        (day18, day18, Decimal("1200.50000"), "USD", "CRDT", "WIRE FROM ACME CORP", None),
    ]  # fmt: skip
    assert sorted(row[0].rsplit("_", 1)[1] for row in rows if row[1]) == ["20261231.CSV", "20261231.CSV"]


NORDIC = CsvLayout(
    bank_account_id="no1-nok-csv",
    currency="NOK",
    delimiter=";",
    decimal_separator=",",
    date_format="%d.%m.%Y",
    encoding="latin-1",
    columns={
        "booking_date": "Bokført",
        "value_date": "Rentedato",
        "credit_amount": "Inn på konto",
        "debit_amount": "Ut fra konto",
        "counterparty_name": "Fra/til",
        "remittance_text": "Melding/KID",
    },
)


def test_a_layout_with_decimal_commas_and_credit_and_debit_columns(tmp_path: Path) -> None:
    path = tmp_path / "transaksjoner.csv"
    path.write_bytes(
        (
            "Bokført;Rentedato;Fra/til;Melding/KID;Inn på konto;Ut fra konto\n"
            "01.12.2026;02.12.2026;Fjordkraft Båt AS;Faktura NO1-2026-000001;33 153,88;\n"
            "03.12.2026;03.12.2026;DNB;Gebyr;;-1.250,00\n"
            "\n"
            "04.12.2026;05.12.2026;Ærlig Data AS;;1.000,5;\n"
        ).encode("latin-1")
    )
    parsed = read_csv_statement(path, NORDIC)
    assert parsed.balances == []
    read = [
        (
            e.entry_position,
            e.booking_date,
            e.value_date,
            e.amount,
            e.currency,
            e.credit_debit,
            e.counterparty_name,
        )
        for e in parsed.entries
    ]
    assert read == [
        (0, date(2026, 12, 1), date(2026, 12, 2), Decimal("33153.88"), "NOK", "CRDT", "Fjordkraft Båt AS"),
        (1, date(2026, 12, 3), date(2026, 12, 3), Decimal("-1250.00"), "NOK", "DBIT", "DNB"),
        (2, date(2026, 12, 4), date(2026, 12, 5), Decimal("1000.5"), "NOK", "CRDT", "Ærlig Data AS"),
    ]
    assert parsed.entries[0].remittance_text == "Faktura NO1-2026-000001"
    assert parsed.entries[2].remittance_text is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Bokført;Rentedato;Fra/til;Melding/KID;Inn på konto\n",
            "line 1: the declared columns ['Ut fra konto']",
        ),
        (
            "Bokført;Rentedato;Fra/til;Melding/KID;Inn på konto;Ut fra konto\n01.12.2026;02.12.2026;X;Y;12\n",
            "line 2 has 5 fields, the header has 6",
        ),
        (
            "Bokført;Rentedato;Fra/til;Melding/KID;Inn på konto;Ut fra konto\n01.12.2026;;X;Y;12,0x;\n",
            "line 2: the amount is not a number in this layout",
        ),
        (
            "Bokført;Rentedato;Fra/til;Melding/KID;Inn på konto;Ut fra konto\n01.12.2026;;X;Y;;\n",
            "line 2: no booking date or no amount",
        ),
    ],
)
def test_a_malformed_export_is_rejected_naming_the_line(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "transaksjoner.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(BankFileRejected, match=reason.replace("[", r"\[").replace("]", r"\]")):
        read_csv_statement(path, NORDIC)


def test_an_unusable_layout_reads_no_file(tmp_path: Path) -> None:
    path = tmp_path / "any.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    both = CsvLayout("x", "EUR", ",", ";", "%Y", "utf-8", {"amount": "a", "credit_amount": "a", "when": "a"})
    with pytest.raises(BankFileRejected) as refused:
        read_csv_statement(path, both)
    assert str(refused.value) == (
        "the layout of x is unusable: unknown field 'when'; no booking_date column; declare either amount, "
        "or credit_amount and debit_amount; decimal separator ';' is neither '.' nor ','"
    )
