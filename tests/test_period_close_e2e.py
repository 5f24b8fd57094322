"""End to end: close the demo month through the real CLI, Dagster job, gates and ledger, then correct it.

The tests run in file order on one deployment: refused close, close, approvals, late usage
that becomes adjustment notes, and a void with its reissue.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb
import pytest

from tests.e2e_support import (
    DEMO_WAIVER,
    PERIOD,
    DemoMonth,
    Deployment,
    folder_digest,
    lines_not_matching_billed_plus_adjustments,
)

pytestmark = pytest.mark.e2e
NEXT_PERIOD = "2026-11"


@pytest.fixture(scope="module")
def closed(demo_month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    deployment = demo_month.copy_to(tmp_path_factory.mktemp("closed"))
    deployment.__dict__["refused"] = demo_month.refused_close
    deployment.__dict__["closed"] = demo_month.approved
    yield deployment


def _query(deployment: Deployment, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_close_is_refused_while_a_blocking_exception_is_open(closed: Deployment) -> None:
    refused = closed.__dict__["refused"]
    assert refused.returncode == 1
    assert "REFUSED" in refused.stderr
    assert "open blocking exception(s) unattributed_usage" in refused.stderr
    assert "--waive-reason-code unattributed_usage" in refused.stderr
    # The waiver that let the close through is audited: one row per exception the refusal named,
    # with who and why.
    refused_ids = set(re.findall(r"\b[0-9a-f]{32,64}\b", refused.stderr))
    waivers = _query(
        closed,
        "select count(*), min(waived_by), min(why), count(distinct exception_id), "
        "count_if(reason_code <> 'unattributed_usage') from ledger.waivers where billing_period = ?",
        [PERIOD],
    )
    count = waivers[0][0]
    assert count and waivers[0] == (count, "Demo Controller", DEMO_WAIVER[3], count, 0)
    assert refused_ids and refused_ids <= {row[0] for row in _query(closed, WAIVED_IDS, [PERIOD])}


WAIVED_IDS = "select exception_id from ledger.waivers where billing_period = ?"
# Each waiver against the exception it waived, as the marts show it.
WAIVED_EXCEPTIONS = """
    select w.waiver_id, w.exception_id, e.status, e.resolution_action, e.resolved_by, e.resolution_note,
        e.resolved_at = timezone('UTC', w.waived_at), e.waiver_id = w.waiver_id,
        e.resolution_source_file, e.age_days = date_diff('day', timestamp '2026-11-01', e.resolved_at)
    from ledger.waivers as w
    left join marts.fct_billing_exceptions as e
        on e.billing_period = w.billing_period and e.exception_id = w.exception_id
    where w.billing_period = ?
    order by w.waiver_id
"""


def _waived_exceptions(deployment: Deployment) -> list[tuple[object, ...]]:
    return _query(deployment, WAIVED_EXCEPTIONS, [PERIOD])


def test_waived_exceptions_read_waived_in_the_marts_their_published_copy_and_the_report(
    closed: Deployment,
) -> None:
    waived = _waived_exceptions(closed)
    assert waived
    for waiver_id, exception_id, *shown in waived:
        assert shown == ["waived", "waive", "Demo Controller", DEMO_WAIVER[3], True, True, None, True], (
            waiver_id,
            exception_id,
        )
    # Nothing blocking is left open: the close judged the marts it froze.
    statuses = dict(
        _query(
            closed,
            "select status, count(*) from marts.fct_billing_exceptions where billing_period = ? group by 1",
            [PERIOD],
        )
    )
    blocking_open = _query(
        closed,
        "select count(*) from marts.fct_billing_exceptions where billing_period = ? and is_blocking "
        "and status = 'open'",
        [PERIOD],
    )
    assert blocking_open == [(0,)] and statuses["waived"] == len(waived)
    # The marts that count statuses count them as decided.
    by_reason = _query(
        closed,
        "select sum(exception_count), sum(open_exception_count), sum(open_amount_at_risk), "
        "sum(amount_at_risk) from marts.rpt_finance__exceptions_by_reason "
        "where billing_period = ? and reason_code = 'unattributed_usage'",
        [PERIOD],
    )
    assert by_reason[0][:3] == (len(waived), 0, 0) and by_reason[0][3] > 0
    kpis = _query(
        closed,
        "select exception_count, open_exception_count from marts.rpt_finance__period_kpis "
        "where billing_period = ?",
        [PERIOD],
    )
    assert kpis == [(sum(statuses.values()), statuses["open"])]
    # Readers' published copy was re-published with the statuses the close decided.
    with duckdb.connect() as reader:
        published = reader.execute(
            "select exception_id, status, resolved_by, waiver_id from read_parquet(?) "
            "where waiver_id is not null order by waiver_id",
            [str(closed.published_dir / PERIOD / "fct_billing_exceptions.parquet")],
        ).fetchall()
    assert published == [(row[1], "waived", "Demo Controller", row[0]) for row in waived]
    # The finance report written at close counts them as decided: none open, none open at risk.
    report = (closed.exports_dir / PERIOD / "report.html").read_text("utf-8")
    assert re.search(
        rf'unattributed_usage</td><td>EUR</td><td class="num">{len(waived)}</td><td class="num">0</td>'
        r'<td class="num">\d+</td><td class="num">[0-9.]+</td><td class="num">0\.00</td>',
        report,
    ), "the report's exceptions by reason"


def test_numbers_are_gapless_per_entity_in_customer_order_and_stable(closed: Deployment) -> None:
    documents = _query(
        closed,
        "select issuing_entity_id, sequence_number, invoice_number, customer_id from ledger.invoices "
        "where billing_period = ? order by issuing_entity_id, sequence_number",
        [PERIOD],
    )
    drafts = _query(closed, "select count(*) from marts.fct_invoices where billing_period = ?", [PERIOD])
    assert len(documents) == drafts[0][0]
    by_entity: dict[str, list[tuple[int, str, str]]] = {}
    for entity, sequence, number, customer in documents:
        by_entity.setdefault(str(entity), []).append((int(sequence), str(number), str(customer)))  # type: ignore[call-overload]
    for entity, rows in by_entity.items():
        assert [s for s, _, _ in rows] == list(range(1, len(rows) + 1))
        assert [n for _, n, _ in rows] == [f"{entity}-2026-{s:06d}" for s, _, _ in rows]
        assert [c for _, _, c in rows] == sorted(c for _, _, c in rows)
    close = _query(
        closed, "select content_sha256, code_version, rate_card_versions, run_id from ledger.closes"
    )
    assert len(close) == 1 and len(str(close[0][0])) == 64 and close[0][1] and json.loads(str(close[0][2]))

    again = closed.meterline("close", "--period", PERIOD, "--by", "Someone Else")
    assert again.returncode == 0, again.stderr
    assert "by Demo Controller" in again.stdout and close[0][3] in again.stdout
    assert _query(closed, "select count(*) from ledger.closes") == [(1,)]
    assert (
        _query(
            closed,
            "select issuing_entity_id, sequence_number, invoice_number, customer_id from ledger.invoices "
            "where billing_period = ? order by issuing_entity_id, sequence_number",
            [PERIOD],
        )
        == documents
    )


def test_held_invoices_are_listed_not_exported_until_approved(closed: Deployment) -> None:
    folder = closed.exports_dir / PERIOD
    manifest = json.loads((folder / "manifest.json").read_text())
    held = {h["invoice_number"]: h["reasons"] for h in manifest["held_documents"]}
    assert held == {"NO1-2026-000001": ["first_invoice", "high_value"]}
    assert "held" in closed.__dict__["closed"].stdout
    assert not (folder / "xero" / "xero_no").exists()
    assert not (folder / "evidence" / "NO1-2026-000001.json").exists()

    approved = closed.meterline("approve", "--invoice", "CUST-NO01-2026-10", "--by", "CFO")
    assert approved.returncode == 0, approved.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["held_documents"] == []
    with (folder / "xero" / "xero_no" / "sales_invoices_001.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["*InvoiceNumber"] for row in rows} == {"NO1-2026-000001"}
    assert rows[0]["*InvoiceDate"] == "01.11.2026"  # the Norwegian organisation's date format


def test_evidence_packet_rebuilds_each_line_from_the_usage(closed: Deployment) -> None:
    packet = json.loads((closed.exports_dir / PERIOD / "evidence" / "FR1-2026-000002.json").read_text())
    assert packet["customer_id"] == "CUST-FR01"
    with duckdb.connect(str(closed.duckdb_path), read_only=True) as con:
        for line in packet["lines"]:
            if line["line_type"] not in ("usage", "included"):
                # fees, true-ups and discounts come from the contract, not from usage rows
                assert line["usage"] == []
                continue
            assert line["usage"] and all(len(u["file_sha256"]) == 64 for u in line["usage"])
            rebuilt = con.execute(
                f"select sum(quantity_base), count(*) from ({line['rebuild_query']})"
            ).fetchone()
            assert str(rebuilt[0]) == line["computation"]["quantity_base"]  # type: ignore[index]
            assert sum(u["usage_rows"] for u in line["usage"]) <= rebuilt[1]  # type: ignore[index]


ORPHAN_JOB = "4899998"


def _write_late_usage(deployment: Deployment) -> None:
    """A Slurm job of a billed customer's account that arrives after the close, for October."""
    folder = deployment.root / "landing" / "scheduler" / "slurm" / "fjord-gpu"
    # The `_a` dump has the header; the `_b` dump is headerless, `☃`-delimited with a trailing `☃`.
    header = next(folder.glob("sacct_2026-10_a.txt")).read_text().splitlines()[0]
    source = [
        "|".join(line.split("☃")[:-1])
        for line in next(folder.glob("sacct_2026-10_b.txt")).read_text().splitlines()
    ]
    job = next(
        line
        for line in source
        if "|COMPLETED|2026-10-1" in line and "gpu-a100" in line and "." not in line.split("|")[0]
    )
    fields = job.split("|")
    fields[0] = fields[1] = "4899999"
    # And one of an account no assignment covers: a blocking exception no waiver of the close names.
    orphan = list(fields)
    orphan[0] = orphan[1] = ORPHAN_JOB
    orphan[header.split("|").index("Account")] = "orphan-lab"
    (folder / "sacct_2026-10_late.txt").write_text(f"{header}\n{'|'.join(fields)}\n{'|'.join(orphan)}\n")


def test_late_usage_after_close_lands_as_adjustments_and_the_closed_export_stays(closed: Deployment) -> None:
    folder = closed.exports_dir / PERIOD
    before = folder_digest(folder)
    waived = _waived_exceptions(closed)
    _write_late_usage(closed)
    assert closed.run().returncode == 0
    # The re-run reads the same ledger: every waived exception is still waived, by the same waiver.
    assert _waived_exceptions(closed) == waived
    # The late job of an unassigned account is a new blocking exception that no waiver covers: open.
    orphan = _query(
        closed,
        "select status, is_blocking, resolution_action, waiver_id from marts.fct_billing_exceptions "
        "where billing_period = ? and reason_code = 'unattributed_usage' and job_id = ?",
        [PERIOD, ORPHAN_JOB],
    )
    assert orphan == [("open", True, None, None)]
    adjusted = closed.meterline(
        "adjust",
        "--period",
        PERIOD,
        "--reason",
        "late_usage",
        "--by",
        "Controller",
        "--why",
        "late Slurm file",
    )
    assert adjusted.returncode == 0, adjusted.stdout + adjusted.stderr
    notes = _query(
        closed,
        "select a.note_invoice_number, a.original_invoice_number, a.original_invoice_line_id, "
        "a.net_amount_minor_delta, i.billing_period, i.document_type, i.approval_reasons "
        "from ledger.adjustments as a "
        "inner join ledger.invoices as i on a.note_invoice_number = i.invoice_number",
    )
    assert notes, adjusted.stdout
    for _, original, original_line, delta, period, kind, reasons in notes:
        assert period == NEXT_PERIOD and original and original_line and delta != 0
        assert kind == ("debit_note" if delta > 0 else "credit_note")  # type: ignore[operator]
        assert "manual_adjustment" in str(reasons)
    # Billed + adjustments = the re-rated period, line by line.
    assert not lines_not_matching_billed_plus_adjustments(closed)
    # The closed period is untouched: same snapshot hash, byte-identical re-export.
    assert closed.meterline("export", "--period", PERIOD).returncode == 0
    assert folder_digest(folder) == before
    again = closed.meterline(
        "adjust", "--period", PERIOD, "--reason", "late_usage", "--by", "C", "--why", "w"
    )
    assert "no difference" in again.stdout


def test_void_issues_a_credit_note_and_a_replacement_with_the_next_numbers(closed: Deployment) -> None:
    before = folder_digest(closed.exports_dir / PERIOD)
    last = _query(closed, "select max(sequence_number) from ledger.invoices where issuing_entity_id = 'US1'")[
        0
    ][0]
    done = closed.meterline(
        "void", "--invoice", "US1-2026-000003", "--by", "Controller", "--why", "wrong entity"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    credit, replacement, *_ = _query(
        closed,
        "select credit_note_number, replacement_number, voided_by, why from ledger.voids "
        "where invoice_number = 'US1-2026-000003'",
    )[0]
    assert (credit, replacement) == (f"US1-2026-{last + 1:06d}", f"US1-2026-{last + 2:06d}")  # type: ignore[operator]
    documents = dict(
        (row[0], row[1:])
        for row in _query(
            closed,
            "select invoice_number, document_type, billing_period, original_invoice_number, "
            "related_invoice_number, gross_amount_minor from ledger.invoices",
        )
    )
    original_gross = documents["US1-2026-000003"][4]
    assert documents[credit] == ("credit_note", NEXT_PERIOD, "US1-2026-000003", None, -original_gross)  # type: ignore[operator]
    assert documents[replacement] == ("invoice", NEXT_PERIOD, "US1-2026-000003", credit, original_gross)
    assert closed.meterline("void", "--invoice", "US1-2026-000003", "--by", "C", "--why", "w").returncode == 1
    assert folder_digest(closed.exports_dir / PERIOD) == before
    # Corrections land in the next period: the closed one still matches every hash of its close.
    verified = closed.meterline("verify")
    assert verified.returncode == 0, verified.stderr


def test_invoicing_quality_and_corrections_follow_the_ledger_as_it_stands(closed: Deployment) -> None:
    """The approval rate, batch accuracy and corrections views against the ledger's documents,
    after the adjustments and the void above were filed."""
    documents = _query(
        closed,
        "select invoice_number, document_type, billing_period, original_invoice_number, reason_code, "
        "approval_reasons, currency_code, minor_units, net_amount_minor from ledger.invoices",
    )
    approved = {row[0] for row in _query(closed, "select invoice_number from ledger.approvals")}
    period_of = {row[0]: row[2] for row in documents}
    firsts = [row for row in documents if row[1] == "invoice" and row[3] is None]
    corrected = {row[3] for row in documents if row[3] is not None}

    def share(part: int, whole: int) -> Decimal:
        return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)

    expected_kpis = []
    for period in sorted({row[2] for row in firsts}):
        invoices = [row for row in firsts if row[2] == period]
        auto = sum(row[5] == "" for row in invoices)
        by_person = sum(row[5] != "" and row[0] in approved for row in invoices)
        fixed = sum(row[0] in corrected for row in invoices)
        expected_kpis.append(
            (period, len(invoices), auto, by_person, len(invoices) - auto - by_person,
             share(auto, len(invoices)), fixed, share(len(invoices) - fixed, len(invoices)))
        )  # fmt: skip
    kpis = _query(closed, "select * from marts.rpt_finance__document_kpis order by billing_period")
    assert kpis == expected_kpis
    assert kpis[0][0] == PERIOD and kpis[0][6] >= 2 and kpis[0][7] < 1, "late usage notes and a void"

    totals: dict[tuple[str, str], list[Decimal]] = {}
    for _, kind, _, original, reason, _, currency, units, net in documents:
        if kind in ("debit_note", "credit_note") and original is not None and reason != "void_reissue":
            entry = totals.setdefault((period_of[original], currency), [Decimal(0)] * 4)
            amount = Decimal(abs(net)).scaleb(-units)
            entry[0 if kind == "debit_note" else 1] += 1
            entry[2 if kind == "debit_note" else 3] += amount
    corrections = _query(
        closed,
        "select billing_period, currency_code, debit_note_count, credit_note_count, recovered_net_amount, "
        "credited_net_amount from marts.rpt_finance__corrections order by all",
    )
    assert corrections and corrections == [
        (period, currency, int(d), int(c), recovered, credited)
        for (period, currency), (d, c, recovered, credited) in sorted(totals.items())
    ]
