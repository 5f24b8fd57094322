"""The demo generator: deterministic, contract-exact layouts, defects that point at real rows,
and a truth that is internally consistent and rounded half-even once per line."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.demo import generate_demo
from orchestration.demo.truth import line_net_minor, round_half_even, tax_minor
from orchestration.demo.writers_slurm import COLUMNS as SACCT_FIELDS
from orchestration.ingest.layouts import Declarations, Layout, layout_for

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CONTRACT = (ROOT / "docs" / "landing-contract.md").read_text(encoding="utf-8")
PERIOD = "2026-10"
REQUIRED_REASONS = {
    "duplicate_usage", "requeued_attempt", "unattributed_usage", "late_usage", "invalid_value",
    "meter_reset", "meter_gap", "sku_unmapped", "over_billed", "under_billed", "double_billed",
    "missing_in_bill", "unexpected_charge",
}  # fmt: skip


def _seed(relative: str) -> list[dict[str, str]]:
    with (SEEDS / relative).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _contract_text(prefix: str) -> str:
    """The one backticked string of the contract that starts with `prefix` (a header)."""
    found = {s for s in re.findall(r"`([^`]+)`", CONTRACT) if s.startswith(prefix)}
    assert len(found) == 1, f"contract has {found} for {prefix!r}"
    return found.pop()


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _sacct_layout(path: Path) -> Layout | None:
    """The declared layout of a sacct dump (`landing/scheduler/slurm/<cluster>/<file>`), else None."""
    if "slurm" not in path.parts:
        return None
    return layout_for(Path(*path.parts[-4:]), Declarations.from_seeds(SEEDS))[0]


def _data_row(path: Path, row: int) -> str:
    """Record `row` (1-based, header excluded) of a landing file; headerless sacct dumps too."""
    layout = _sacct_layout(path)
    headerless = layout is not None and not layout.has_header
    return path.read_text(encoding="utf-8").splitlines()[row - 1 if headerless else row]


def _sacct_fields(path: Path, row: int) -> list[str]:
    """Record `row` of a sacct dump split by its declared delimiter, without a trailing empty field."""
    layout = _sacct_layout(path)
    assert layout is not None, path
    fields = _data_row(path, row).split(layout.delimiter)
    return fields[:-1] if fields[-1] == "" and len(fields) == len(SACCT_FIELDS) + 1 else fields


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo(out, period=PERIOD, seed=7, scale=1.0)


@pytest.fixture(scope="module")
def invoices(demo: tuple[Path, dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads((demo[0] / "truth" / PERIOD / "expected_invoices.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def defects(demo: tuple[Path, dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads((demo[0] / "truth" / PERIOD / "defects.json").read_text(encoding="utf-8"))


def test_same_arguments_give_byte_identical_files(demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    again = generate_demo(tmp_path, period=PERIOD, seed=7, scale=1.0)
    assert again == demo[1]
    assert _digests(tmp_path) == _digests(demo[0])


def test_rerun_replaces_its_own_outputs(demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    # A larger run writes more per-meter files; re-running smaller must leave no stale ones.
    generate_demo(tmp_path, period=PERIOD, seed=7, scale=2.0)
    generate_demo(tmp_path, period=PERIOD, seed=7, scale=1.0)
    assert _digests(tmp_path) == _digests(demo[0])


def test_summary_counts_what_was_written(demo: tuple[Path, dict[str, Any]]) -> None:
    out, summary = demo
    landing_files = [p for p in (out / "landing").rglob("*") if p.is_file()]
    assert sum(summary["files"].values()) == len(landing_files)
    assert summary["usage_rows"] == sum(summary["rows"][k] for k in ("slurm", "opencost", "energy"))
    assert 200 <= summary["rows"]["slurm"] // 3 <= 600  # a few hundred jobs with their steps


def test_every_landing_file_has_the_contract_header(demo: tuple[Path, dict[str, Any]]) -> None:
    landing = demo[0] / "landing"
    expected = {
        "scheduler/slurm/fjord-gpu": _contract_text("JobID|"),
        "scheduler/opencost/nimbus-k8s": _contract_text("Date,Namespace,"),
        "energy/osl1": _contract_text("MeterId;"),
        "energy/hel1": _contract_text("meter,interval_start_utc,"),
        "energy/add1": _contract_text("DeviceSerial,"),
        "reference/customers.csv": _contract_text("customer_id,customer_name,"),
        "reference/assignments.csv": _contract_text("assignment_id,"),
        "reference/machines.csv": _contract_text("machine_id,site_id,"),
        f"reference/fx_rates_{PERIOD}.csv": _contract_text("rate_date,base_currency,"),
    }
    colo_columns: dict[str, list[str]] = {}
    for row in _seed("sources/colo_layout_columns.csv"):
        colo_columns.setdefault(row["vendor_id"], []).append(row["source_column"])
    for row in _seed("sources/colo_vendor_layouts.csv"):
        expected[f"vendor_billing/colo/{row['vendor_id']}"] = row["delimiter"].join(
            colo_columns[row["vendor_id"]]
        )
    focus_columns = re.findall(r"`([A-Z][A-Za-z]+)`", CONTRACT.split("### FOCUS")[1].split("###")[0])

    checked = set()
    for path in sorted(landing.rglob("*")):
        if not path.is_file():
            continue
        relative = str(path.relative_to(landing))
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        sacct = _sacct_layout(path)
        if sacct is not None and not sacct.has_header:
            # Headerless dump: every line has the declared fields, the declared delimiter and a
            # trailing delimiter (`sacct --noheader --parsable`).
            lines = path.read_text(encoding="utf-8").splitlines()
            assert sacct.delimiter != "|" and len(sacct.delimiter.encode()) > 1, relative
            assert sacct.names == SACCT_FIELDS, relative
            assert all(line.count(sacct.delimiter) == len(SACCT_FIELDS) for line in lines), relative
            assert all(line.endswith(sacct.delimiter) for line in lines), relative
            assert PERIOD in path.name, relative
            checked.add(relative.rsplit("/", 1)[0])
        elif relative.startswith("scheduler/opencost/") and path.suffix == ".json":
            response = json.loads(path.read_text(encoding="utf-8"))
            assert response["code"] == 200 and len(response["data"]) == 1, relative
            windows = {(a["window"]["start"], a["window"]["end"]) for a in response["data"][0].values()}
            assert len(windows) == 1 and PERIOD in path.name, relative
            checked.add(relative.rsplit("/", 1)[0])
        elif relative.startswith("energy/cgk1/"):
            meter = re.fullmatch(rf"energy/cgk1/spl_(CGK-M\d+)_{PERIOD}\.txt", relative)
            assert meter, relative
            ptd = re.compile(
                r"Time,\d\d-\d\d-\d{4} \d\d:\d\d:\d\d\.000,Watts,\d+(\.\d)?,Volts,[\d.]+,Amps,[\d.]+,"
                rf"PF,[\d.]+,Mark,{meter.group(1)}"
            )
            assert all(ptd.fullmatch(line) for line in path.read_text().splitlines()), relative
            checked.add("energy/cgk1")
        elif relative.startswith("vendor_billing/focus/nimbus_cloud/"):
            header = next(csv.reader([first_line]))
            assert set(focus_columns) <= set(header), set(focus_columns) - set(header)
            checked.add("vendor_billing/focus")
        elif relative.startswith(("vendor_billing/aws_cur/", "vendor_billing/azure/", "vendor_billing/gcp/")):
            # Cloud exports in their vendors' own formats: the ingest recognises the header.
            layout, _ = layout_for(Path(relative), Declarations.from_seeds(SEEDS))
            header = next(csv.reader([first_line]))
            assert layout.recognise is not None and layout.recognise(
                [layout.rename(h) if layout.rename else h for h in header]
            ), relative
            assert PERIOD in path.name, relative
            checked.add(relative.rsplit("/", 2)[0])
        else:
            key = relative if relative.startswith("reference/") else relative.rsplit("/", 1)[0]
            assert first_line == expected[key], relative
            assert PERIOD in path.name or key.startswith("reference/"), relative
            checked.add(key)
    assert checked == set(expected) | {"energy/cgk1", "vendor_billing/focus"} | {
        "vendor_billing/aws_cur",
        "vendor_billing/azure",
        "vendor_billing/gcp",
    }


def test_demo_landing_has_every_format(demo: tuple[Path, dict[str, Any]]) -> None:
    landing = demo[0] / "landing"
    declarations = Declarations.from_seeds(SEEDS)
    formats: set[str] = set()
    for path in sorted(landing.rglob("*")):
        relative = path.relative_to(landing)
        if not path.is_file() or relative.parts[0] == "reference":
            continue
        layout, _ = layout_for(relative, declarations)
        if layout.source_kind == "slurm":
            header = "with_header" if layout.has_header else f"headerless_{layout.delimiter}"
            formats.add(f"slurm_{header}")
        elif layout.source_kind == "opencost":
            formats.add("opencost_json" if layout.json_allocation_api else "opencost_csv")
        else:
            formats.add(layout.source_kind)
    assert formats == {
        "slurm_with_header", "slurm_headerless_☃", "opencost_csv", "opencost_json",
        "energy_cumulative_kwh", "energy_interval_wh", "energy_tenth_kwh_counter", "energy_ptd_power_log",
        "focus", "aws_cur", "azure", "gcp", "colo",
    }  # fmt: skip


def test_truth_is_internally_consistent(
    demo: tuple[Path, dict[str, Any]], invoices: list[dict[str, Any]]
) -> None:
    with (demo[0] / "landing" / "reference" / "customers.csv").open(encoding="utf-8") as handle:
        customers = {row["customer_id"]: row for row in csv.DictReader(handle)}
    prices = {
        (row["price_list_id"], row["price_list_version"], row["sku_id"]): row
        for row in _seed("rating/customer_price_lists.csv")
    }
    per_unit = {
        row["pricing_unit"]: int(row["base_units_per_pricing_unit"]) for row in _seed("rating/units.csv")
    }
    tax_rates = {row["tax_rule_id"]: Decimal(row["tax_rate"]) for row in _seed("rating/tax_rates.csv")}
    # The demo converts at the period-end rate (seeds/rating/fx_policies.csv), read from the landing file.
    with (demo[0] / "landing" / "reference" / f"fx_rates_{PERIOD}.csv").open(encoding="utf-8") as handle:
        fx_rows = list(csv.DictReader(handle))
    fx = {(r["base_currency"], r["quote_currency"], r["rate_date"]): r["rate"] for r in fx_rows}
    last_day = max(key[2] for key in fx)
    money = re.compile(r"-?\d+\.\d{2}")
    cent = Decimal("0.01")

    assert sorted(i["customer_id"] for i in invoices) == sorted(customers)
    for invoice in invoices:
        customer = customers[invoice["customer_id"]]
        assert invoice["currency_code"] == customer["currency_code"]
        amounts = [invoice[k] for k in ("net_amount", "tax_amount", "gross_amount")]
        assert all(money.fullmatch(a) for a in amounts), amounts
        net, tax, gross = (Decimal(a) for a in amounts)
        assert gross == net + tax
        assert net == sum(Decimal(line["net_amount"]) for line in invoice["lines"])
        assert tax == sum(Decimal(line["tax_amount"]) for line in invoice["lines"])
        keys = [
            (line["sku_id"], line["price_list_version"], line["line_type"], line["tier_number"])
            for line in invoice["lines"]
        ]
        assert len(keys) == len(set(keys)), "one line per (sku, price-list version, line type, tier)"
        for line in invoice["lines"]:
            rate = tax_rates[line["tax_rule_id"]]
            assert Decimal(line["tax_amount"]) == (Decimal(line["net_amount"]) * rate).quantize(
                cent, ROUND_HALF_EVEN
            )
            if (line["line_type"], line["pricing_model"]) != ("usage", "per_unit"):
                continue  # the other pricing models are checked line by line in test_rating_models.py
            price = prices[(customer["price_list_id"], str(line["price_list_version"]), line["sku_id"])]
            assert Decimal(line["unit_price"]) == Decimal(price["unit_price"])
            with localcontext() as context:
                context.prec = 60
                pair = (price["currency_code"], customer["currency_code"], last_day)
                rate = Decimal(fx[pair]) if pair[0] != pair[1] else Decimal(1)
                exact = (
                    Decimal(line["quantity_base"])
                    * Decimal(price["unit_price"])
                    * rate
                    / per_unit[price["pricing_unit"]]
                )
                assert Decimal(line["net_amount"]) == exact.quantize(cent, ROUND_HALF_EVEN), line

    # The a100 price changes version mid-month: EUR and NOK customers with a100 usage across
    # the change get one line per version.
    versions = {
        (i["customer_id"], line["price_list_version"])
        for i in invoices
        for line in i["lines"]
        if line["sku_id"] == "gpu_hour_a100" and customers[i["customer_id"]]["currency_code"] != "USD"
    }
    assert {v for _, v in versions} == {1, 2}


def test_defects_use_seed_reason_codes_and_point_at_real_rows(
    demo: tuple[Path, dict[str, Any]], defects: list[dict[str, Any]]
) -> None:
    landing = demo[0] / "landing"
    seeded = {row["reason_code"] for row in _seed("reconciliation/reason_codes.csv")}
    assert {d["reason_code"] for d in defects} <= seeded
    assert {d["reason_code"] for d in defects} >= REQUIRED_REASONS
    assert len({d["defect_id"] for d in defects}) == len(defects)

    for defect in defects:
        match, code = defect["match"], defect["reason_code"]
        assert match, defect
        if defect["source_row"] is None:
            continue
        path = landing / defect["source_file"]
        line = _data_row(path, defect["source_row"])
        fields = _sacct_fields(path, defect["source_row"]) if _sacct_layout(path) else line.split("|")
        if code == "duplicate_usage":
            assert defect["source_file"].endswith("_b.txt")
            earlier_path = path.with_name(path.name.replace("_b.txt", "_a.txt"))
            earlier = [
                _sacct_fields(earlier_path, n)
                for n in range(1, len(earlier_path.read_text(encoding="utf-8").splitlines()))
            ]
            assert fields in earlier, "the later copy repeats a record of the earlier dump field by field"
        elif code == "invalid_value":
            assert not fields[11].isdigit(), line
        elif code == "requeued_attempt":
            assert fields[6] == "REQUEUED"
        elif code == "late_usage":
            assert fields[9] < f"{PERIOD}-01T00:00:00", "ended before the period"
        elif code == "double_billed":
            assert _data_row(path, defect["source_row"] - 1) == line
        elif code == "sku_unmapped":
            mapped = {row["vendor_item_code"] for row in _seed("rating/vendor_sku_map.csv")}
            header = next(csv.reader([_data_row(path, 0)]))
            assert dict(zip(header, next(csv.reader([line])), strict=True))["SkuId"] not in mapped
        if {"source_file", "source_row"} <= set(match):
            assert (match["source_file"], match["source_row"]) == (
                defect["source_file"],
                defect["source_row"],
            )


def test_half_even_rounding_known_ties() -> None:
    assert [round_half_even(Fraction(n, 2)) for n in (1, 3, 5, -5)] == [0, 2, 2, -2]
    # 1800 gpu-seconds at 2.45/h = 1.225 -> 1.22; at 2.35/h = 1.175 -> 1.18 (ties to even cents)
    assert line_net_minor(Fraction(1800), Decimal("2.450000"), 3600, 2) == 122
    assert line_net_minor(Fraction(1800), Decimal("2.350000"), 3600, 2) == 118
    # tax: 2.50 x 25% = 0.625 -> 0.62; 2.70 x 25% = 0.675 -> 0.68
    assert tax_minor(250, Decimal("0.25")) == 62
    assert tax_minor(270, Decimal("0.25")) == 68


@given(
    quantity=st.integers(min_value=0, max_value=10**20),
    price_micros=st.integers(min_value=0, max_value=10**9),
    per_unit=st.sampled_from([3600, 3_600_000, 3865470566400]),
)
def test_line_amount_matches_decimal_half_even(quantity: int, price_micros: int, per_unit: int) -> None:
    price = Decimal(price_micros).scaleb(-6)
    with localcontext() as context:
        context.prec = 80
        expected = (Decimal(quantity) * price * 100 / per_unit).quantize(Decimal(1), ROUND_HALF_EVEN)
    assert line_net_minor(Fraction(quantity), price, per_unit, 2) == int(expected)
