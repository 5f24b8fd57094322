"""Property test: the real rating models, run in DuckDB, agree to the minor unit with an
independent exact Python implementation of every pricing model (orchestration/demo/pricing.py).

The SQL of `int_usage__sliced`, the recurring charges (with their FX rates),
`int_invoice_lines__priced` and `fct_invoice_lines` is compiled once by dbt (so it is the project's
own models and money/rating macros), then run on random usage, prices, tiers and commitments in
one DuckDB session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.demo.policy import PER_UNIT, PricingTerm, Tier
from orchestration.demo.pricing import true_up_minor, usage_lines
from orchestration.demo.truth import tax_minor
from tests.dbt_support import WAREHOUSE_NAME, dbt

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODELS = {  # in build order
    "intermediate.int_usage__sliced": "models/intermediate/usage/int_usage__sliced.sql",
    "intermediate.int_fx_rates__daily": "models/intermediate/rating/int_fx_rates__daily.sql",
    "intermediate.int_recurring_charges__in_force": (
        "models/intermediate/rating/int_recurring_charges__in_force.sql"
    ),
    "intermediate.int_invoice_lines__priced": "models/intermediate/rating/int_invoice_lines__priced.sql",
    "marts.fct_invoice_lines": "models/marts/invoicing/fct_invoice_lines.sql",
}
INPUTS = """
create schema intermediate; create schema policy; create schema staging; create schema marts;
create table intermediate.int_usage__rated (
    rated_usage_id varchar, billing_period varchar, usage_line_id varchar, source_kind varchar,
    customer_id varchar, sku_id varchar, base_unit varchar, rated_start_at timestamp,
    rated_end_at timestamp, price_list_id varchar, price_list_version integer, currency_code varchar,
    pricing_unit varchar, base_units_per_pricing_unit bigint, pricing_model varchar,
    quantity_base decimal(38, 6), unit_price decimal(18, 6), package_size decimal(18, 6),
    included_quantity decimal(18, 6), committed_quantity decimal(18, 6),
    committed_discount_rate decimal(9, 6), markup_rate decimal(9, 6), cost_rate_card_id varchar,
    cost_rate_card_version integer, cost_unit_price decimal(18, 6), rating_status varchar,
    invoice_currency_code varchar, fx_rate_policy varchar, fx_rate_date date, fx_rate decimal(18, 6),
    fx_source varchar, is_estimated boolean
);
create table staging.stg_reference__fx_rates (
    rate_date date, base_currency varchar, quote_currency varchar, rate decimal(18, 6),
    rate_source varchar, quarantine_reason varchar
);
create table policy.customer_price_tiers (
    price_list_id varchar, price_list_version integer, sku_id varchar, tier_number integer,
    from_quantity decimal(18, 6), to_quantity decimal(18, 6), unit_price decimal(18, 6)
);
create table policy.currencies (currency_code varchar, minor_units integer);
create table policy.customer_recurring_charges (
    price_list_id varchar, charge_id varchar, charge_version integer, effective_from timestamp,
    effective_to timestamp, charge_type varchar, currency_code varchar, amount decimal(18, 6)
);
create table intermediate.int_customers__tax_rules (
    customer_id varchar, place_of_supply_country_code varchar, tax_rule_id varchar,
    tax_rate decimal(9, 6), tax_treatment varchar, legal_mention_code varchar, tax_status varchar
);
create table staging.stg_reference__customers (
    customer_id varchar, country_code varchar, currency_code varchar, price_list_id varchar,
    quarantine_reason varchar
);
"""
MODEL_NAMES = ("per_unit", "graduated", "volume", "package", "pass_through")


@pytest.fixture(scope="module")
def con(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str]]]:
    """One DuckDB session holding input tables shaped like the models' parents."""
    out = tmp_path_factory.mktemp("rating_property")
    models = (
        "int_usage__sliced",
        "int_fx_rates__daily",
        "int_recurring_charges__in_force",
        "int_invoice_lines__priced",
        "fct_invoice_lines",
    )
    done = dbt(out / WAREHOUSE_NAME, out, "compile", "-s", *models, period="2026-10")
    assert done.returncode == 0, done.stdout + done.stderr
    connection = duckdb.connect()
    connection.execute(INPUTS)
    compiled = {}
    for relation, path in MODELS.items():
        sql = (out / "target" / "compiled" / "meterline" / path).read_text()
        compiled[relation] = re.sub(r'"meterline"\.', "", sql)
    yield connection, compiled
    connection.close()


@dataclass(frozen=True)
class Line:
    sku_id: str
    model: str
    base: int
    unit_price: Decimal
    term: PricingTerm
    tiers: tuple[Tier, ...]
    cost_unit_price: Decimal | None
    pieces: tuple[tuple[int, Decimal], ...]  # (start hour, quantity in base units)
    fx_rate: Decimal | None  # priced in XPR, invoiced in XTS at this rate (period_end)


prices = st.integers(0, 10**8).map(lambda n: Decimal(n).scaleb(-6))
rates = st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-6))
fx_rates = st.integers(1, 20 * 10**6).map(lambda n: Decimal(n).scaleb(-6))


@st.composite
def lines(draw: st.DrawFn, sku_id: str) -> Line:
    model = draw(st.sampled_from(MODEL_NAMES))
    base = draw(st.sampled_from([1, 3600, 1_000_000]))
    pieces = tuple(
        (draw(st.integers(0, 3)), Decimal(draw(st.integers(0, 40 * base * 1000))).scaleb(-3))
        for _ in range(draw(st.integers(1, 5)))
    )
    tiers: tuple[Tier, ...] = ()
    if model in ("graduated", "volume"):
        bounds = sorted(draw(st.sets(st.integers(1, 60), max_size=3)))
        edges = [0, *bounds]
        tiers = tuple(
            Tier(n + 1, Decimal(a), Decimal(b) if b is not None else None, draw(prices))
            for n, (a, b) in enumerate(zip(edges, [*bounds, None], strict=True))
        )
    included = Decimal(draw(st.integers(0, 30))) if model not in ("graduated", "volume") else Decimal(0)
    committed = Decimal(draw(st.integers(0, 30))) if model == "per_unit" else Decimal(0)
    term = PricingTerm(
        pricing_model=model,
        package_size=Decimal(draw(st.integers(1, 20))) if model == "package" else None,
        included_quantity=included,
        committed_quantity=committed,
        committed_discount_rate=draw(rates) if committed else Decimal(0),
        cost_vendor_id="vendor" if model == "pass_through" else "",
        cost_vendor_sku_id="cost_sku" if model == "pass_through" else "",
        markup_rate=draw(rates) if model == "pass_through" else Decimal(0),
    )
    cost = draw(prices) if model == "pass_through" else None
    convertible = model in ("graduated", "volume") or (model == "per_unit" and not committed)
    fx_rate = draw(st.none() | fx_rates) if convertible else None
    return Line(sku_id, model, base, draw(prices), term, tiers, cost, pieces, fx_rate)


def _load(con: duckdb.DuckDBPyConnection, batch: list[Line], minor_units: int, tax_rate: Decimal,
          fee: Decimal | None, commitment: Decimal | None) -> None:  # fmt: skip
    for table in (
        "intermediate.int_usage__rated", "policy.customer_price_tiers", "policy.currencies",
        "policy.customer_recurring_charges", "intermediate.int_customers__tax_rules",
        "staging.stg_reference__customers",
    ):  # fmt: skip
        con.execute(f"delete from {table}")
    con.execute("insert into policy.currencies values ('XTS', ?)", [minor_units])
    con.execute(
        "insert into intermediate.int_customers__tax_rules "
        "values ('C1', 'FR', 't1', ?, 'standard', null, 'decided')",
        [tax_rate],
    )
    con.execute("insert into staging.stg_reference__customers values ('C1', 'FR', 'XTS', 'pl', null)")
    for charge_id, charge_type, amount in (
        ("fee", "flat_fee", fee),
        ("commit", "minimum_commitment", commitment),
    ):
        if amount is not None:
            con.execute(
                "insert into policy.customer_recurring_charges values "
                "('pl', ?, 1, timestamp '2026-01-01', null, ?, 'XTS', ?)",
                [charge_id, charge_type, amount],
            )
    rated, tiers = [], []
    for line in batch:
        t = line.term
        for n, (hour, quantity) in enumerate(line.pieces):
            rated.append((
                f"{line.sku_id}-{n}", "2026-10", f"u-{line.sku_id}-{n}", "slurm", "C1", line.sku_id, "unit",
                f"2026-10-01 {hour:02d}:00:00", f"2026-10-01 {hour + 1:02d}:00:00", "pl", 1, "XTS", "pu",
                line.base, line.model, quantity, line.unit_price, t.package_size, t.included_quantity or None,
                t.committed_quantity or None, t.committed_discount_rate or None, t.markup_rate or None,
                t.cost_vendor_id or None, 1 if line.cost_unit_price is not None else None,
                line.cost_unit_price, "rated", "XTS",
                *(("period_end", "2026-10-31", line.fx_rate, "ecb") if line.fx_rate else (None,) * 4),
                False,
            ))  # fmt: skip
            if line.fx_rate:  # the piece's price currency is XPR, converted to the invoice's XTS
                rated[-1] = (*rated[-1][:11], "XPR", *rated[-1][12:])
        tiers += [
            ("pl", 1, line.sku_id, tier.tier_number, tier.start, tier.end, tier.unit_price)
            for tier in line.tiers
        ]
    con.executemany(f"insert into intermediate.int_usage__rated values ({', '.join(['?'] * 32)})", rated)
    if tiers:
        con.executemany("insert into policy.customer_price_tiers values (?, ?, ?, ?, ?, ?, ?)", tiers)


def _expected_slices(line: Line) -> list[tuple[str, int | None, Decimal]]:
    """Graduated pieces filled in (start, id) order, cut at each tier boundary."""
    out = []
    order = sorted(range(len(line.pieces)), key=lambda n: (line.pieces[n][0], f"{line.sku_id}-{n}"))
    before = Fraction(0)
    for n in order:
        after = before + Fraction(line.pieces[n][1])
        for tier in line.tiers:
            low = Fraction(tier.start) * line.base
            high = after if tier.end is None else min(after, Fraction(tier.end) * line.base)
            part = high - max(before, low)
            if part > 0:
                out.append(
                    (f"{line.sku_id}-{n}", tier.tier_number, Decimal(part.numerator) / part.denominator)
                )
        before = after
    return sorted(out, key=lambda row: (row[0], row[1] or 0))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batch=st.tuples(lines("sku_a"), lines("sku_b")),
    minor_units=st.sampled_from([0, 2]),
    tax_rate=st.integers(0, 3000).map(lambda n: Decimal(n).scaleb(-4)),
    fee=st.none() | st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-2)),
    commitment=st.none() | st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-2)),
)
def test_rating_models_match_exact_python(
    con: tuple[duckdb.DuckDBPyConnection, dict[str, str]],
    batch: tuple[Line, Line],
    minor_units: int,
    tax_rate: Decimal,
    fee: Decimal | None,
    commitment: Decimal | None,
) -> None:
    connection, compiled = con
    _load(connection, list(batch), minor_units, tax_rate, fee, commitment)
    for relation, sql in compiled.items():
        connection.execute(f"create or replace table {relation} as {sql}")

    expected: list[tuple[str, str, int | None, int, int]] = []
    usage_net = 0
    for line in batch:
        total = sum((Fraction(q) for _, q in line.pieces), Fraction(0))
        for rated in usage_lines(
            total,
            line.unit_price,
            line.base,
            minor_units,
            line.term,
            line.tiers,
            line.cost_unit_price,
            Fraction(line.fx_rate) if line.fx_rate else Fraction(1),
        ):
            usage_net += rated.net_minor
            expected.append(
                (
                    line.sku_id,
                    rated.line_type,
                    rated.tier_number,
                    rated.net_minor,
                    tax_minor(rated.net_minor, tax_rate),
                )
            )
    if fee is not None:
        net = true_up_minor(fee, 0, minor_units)
        expected.append(("fee", "fee", None, net, tax_minor(net, tax_rate)))
    if commitment is not None and (net := true_up_minor(commitment, usage_net, minor_units)):
        expected.append(("commit", "true_up", None, net, tax_minor(net, tax_rate)))

    actual = connection.execute(
        "select sku_id, line_type, tier_number, net_amount_minor, tax_amount_minor "
        "from marts.fct_invoice_lines"
    ).fetchall()
    key = lambda row: (row[0], row[1], row[2] or 0)  # noqa: E731
    assert sorted(actual, key=key) == sorted(expected, key=key)

    for line in batch:
        if line.model == "graduated":
            slices = connection.execute(
                "select rated_usage_id, tier_number, quantity_base from intermediate.int_usage__sliced "
                "where sku_id = ? order by rated_usage_id, tier_number",
                [line.sku_id],
            ).fetchall()
            assert slices == _expected_slices(line)


def test_per_unit_default_is_plain_per_unit() -> None:
    """A SKU without pricing terms is per unit: one usage line, quantity x unit price, rounded once."""
    (line,) = usage_lines(Fraction(5400), Decimal("2.450000"), 3600, 2, PER_UNIT)
    assert (line.line_type, line.net_minor) == ("usage", 368)  # 1.5 h x 2.45 = 3.675 -> 3.68 (half-even)
