"""No tax is guessed: a customer without a tax profile in force, or whose profile leads to no tax
rule in force, is not invoiced; its priced lines are held, with their net, by a blocking
`tax_profile_missing` or `tax_rule_missing` exception, and the month still builds and ties out.
Real ingest and dbt models on a small warehouse: three EUR customers of `standard_eur`, each with a
dedicated machine's energy and the platform fee. A profile added later lets the next run invoice the
customer."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.gates.suites import GateProcess
from tests.adapter_support import drop, ingest, query
from tests.dbt_support import dbt

PERIOD = "2026-10"
# CUST-FR01 and CUST-ET01 have profiles (seeds/rating/customer_tax_profiles.csv), CUST-FI09 has none.
# CUST-ET01 is declared in Germany, a country with no tax rate in seeds/rating/tax_rates.csv.
CUSTOMERS = """customer_id,customer_name,country_code,currency_code,price_list_id,language_code
CUST-FR01,Atelier Calcul SARL,FR,EUR,standard_eur,fr
CUST-FI09,Revontuli Data Oy,FI,EUR,standard_eur,en
CUST-ET01,Abay Compute PLC,DE,EUR,standard_eur,en
"""
MACHINES = """machine_id,site_id,meter_id,billing_mode
osl1-srv-01,osl1,OSL-M01,dedicated
osl1-srv-02,osl1,OSL-M02,dedicated
osl1-srv-03,osl1,OSL-M03,dedicated
"""
ASSIGNMENTS = """assignment_id,subject_type,subject_id,customer_id,effective_from,effective_to
ASG-1,machine,osl1-srv-01,CUST-FR01,2025-01-01T00:00:00Z,
ASG-2,machine,osl1-srv-02,CUST-FI09,2025-01-01T00:00:00Z,
ASG-3,machine,osl1-srv-03,CUST-ET01,2025-01-01T00:00:00Z,
"""
# A day of hourly counter readings per meter: 2, 3 and 4 kWh an hour.
OSLO = "MeterId;Timestamp;CounterKWh\n" + "".join(
    f"OSL-M0{meter};2026-10-05T{hour:02d}:00:00+02:00;{1000 + (meter + 1) * hour},000\n"
    for meter in (1, 2, 3)
    for hour in range(24)
)
MODELS = ("+fct_billing_exceptions", "+rpt_billing_control_totals")
# what a changed tax profile re-decides
RERUN = (
    "int_customers__tax_rules",
    "int_exceptions__untaxed_customers",
    "fct_invoice_lines",
    "fct_invoices",
    "fct_billing_exceptions",
    "rpt_billing_control_totals",
)
TESTED = (
    "int_customers__tax_rules",
    "fct_invoice_lines",
    "fct_invoices",
    "rpt_billing_control_totals",
    "fct_billing_exceptions",
    "assert_usage_is_invoiced_or_an_exception",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tax_profile")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "reference/customers.csv", text=CUSTOMERS)
    drop(landing, "reference/machines.csv", text=MACHINES)
    drop(landing, "reference/assignments.csv", text=ASSIGNMENTS)
    drop(landing, "energy/osl1/cumulative_kwh_2026-10.csv", text=OSLO)
    report = ingest(landing, warehouse)
    assert not report.rejected, report.rejected
    # seeds and models in one dbt process, then the data tests of what this changes
    built_models = [
        "build",
        "--quiet",
        "--exclude-resource-type",
        "test",
        "unit_test",
        "-s",
        "resource_type:seed",
        *MODELS,
    ]
    # the margin's tie-out also tests fct_invoice_lines, but reads fct_margin, not built here
    tested = ["test", "--quiet", "-s", *TESTED, "--exclude", "assert_margin_revenue_ties_out_to_invoices"]
    for command in (built_models, tested):
        done = dbt(warehouse, work, *command, period=PERIOD)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return warehouse


def _priced_net(warehouse: Path, customer_id: str) -> Decimal:
    ((net,),) = query(
        warehouse,
        "select sum(net_amount) from intermediate.int_invoice_lines__priced "
        f"where customer_id = '{customer_id}'",
    )
    return Decimal(net)


def test_a_customer_without_profile_is_held_not_invoiced_at_the_domestic_rate(built: Path) -> None:
    invoiced = query(built, "select distinct customer_id, tax_rule_id from marts.fct_invoice_lines")
    assert invoiced == [("CUST-FR01", "fr_standard_2014")]
    assert query(built, "select customer_id from marts.fct_invoices") == [("CUST-FR01",)]

    held = query(
        built,
        """
        select reason_code, customer_id, is_blocking, status, amount_at_risk, currency_code, detail
        from marts.fct_billing_exceptions
        where reason_code in ('tax_profile_missing', 'tax_rule_missing')
        order by reason_code
        """,
    )
    assert [row[:4] for row in held] == [
        ("tax_profile_missing", "CUST-FI09", True, "open"),
        ("tax_rule_missing", "CUST-ET01", True, "open"),
    ]
    for _, customer_id, _, _, amount_at_risk, currency_code, _ in held:
        # the net its lines would have invoiced: 23 h of energy at 0.185 EUR/kWh plus the 1150.00 fee
        assert currency_code == "EUR"
        assert amount_at_risk == _priced_net(built, customer_id) > Decimal("1150.00")
    assert "no tax profile in force on 2026-10-01" in held[0][6]
    assert "no standard tax rule for country DE" in held[1][6]


def test_the_other_customer_is_invoiced_as_before(built: Path) -> None:
    lines = query(
        built,
        """
        select line_type, quantity_base, net_amount_minor, tax_rate, tax_amount_minor
        from marts.fct_invoice_lines order by line_type
        """,
    )
    # 23 hours x 2 kWh = 46 kWh at 0.185 = 8.51 EUR, and the platform fee; French VAT 20 %
    assert [(line_type, net, tax) for line_type, _, net, _, tax in lines] == [
        ("fee", 115000, 23000),
        ("usage", 851, 170),
    ]
    assert {rate for *_, rate, _ in lines} == {Decimal("0.200000")}


def test_every_rated_amount_is_invoiced_or_held(built: Path) -> None:
    totals = query(
        built,
        """
        select customer_id, sum(rated_quantity_base), sum(invoiced_quantity_base), sum(held_quantity_base),
            sum(held_net_amount), bool_and(is_quantity_agreed and is_amount_agreed)
        from marts.rpt_billing_control_totals group by customer_id order by customer_id
        """,
    )
    by_customer = {row[0]: row[1:] for row in totals}
    assert set(by_customer) == {"CUST-ET01", "CUST-FI09", "CUST-FR01"}
    assert all(agreed for *_, agreed in by_customer.values())
    rated, invoiced, held, _, _ = by_customer["CUST-FR01"]
    assert (rated, invoiced, held) == (Decimal(46 * 3_600_000), Decimal(46 * 3_600_000), 0)
    for customer_id, kwh in (("CUST-FI09", 69), ("CUST-ET01", 92)):
        rated, invoiced, held, held_net, _ = by_customer[customer_id]
        assert (rated, invoiced, held) == (Decimal(kwh * 3_600_000), 0, Decimal(kwh * 3_600_000))
        assert held_net == _priced_net(built, customer_id)


def test_the_invoice_gates_pass_with_customers_held(built: Path) -> None:
    # what blocks is the close (open blocking exceptions), not the run's gates
    suites = ["fct_invoice_lines", "fct_invoices", "rpt_billing_control_totals"]
    results = GateProcess().validate(built, PERIOD, suites)
    assert {result.suite: result.success for result in results} == dict.fromkeys(suites, True)


def test_a_profile_added_later_invoices_the_customer_on_the_next_run(
    built: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("tax_profile_added")
    warehouse = work / "meterline.duckdb"
    shutil.copyfile(built, warehouse)
    # the reviewed seed commit, as `dbt seed` would load it: CUST-FI09 is a Finnish business with a
    # VAT number, invoiced by the French entity, so reverse charged (never Finland's 25.5 %)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "insert into policy.customer_tax_profiles values "
            "('CUST-FI09', 'business', 'FI20774741', null, date '2020-01-01', null)"
        )
    finally:
        con.close()
    done = dbt(warehouse, work, "run", "--quiet", "-s", *RERUN, period=PERIOD)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

    invoiced = query(
        warehouse,
        "select customer_id, tax_rule_id, sum(net_amount), sum(tax_amount) from marts.fct_invoice_lines "
        "group by all order by customer_id",
    )
    assert [row[:2] for row in invoiced] == [
        ("CUST-FI09", "fi_reverse_charge_b2b_2024"),
        ("CUST-FR01", "fr_standard_2014"),
    ]
    fi_net, fi_tax = invoiced[0][2:]
    assert (fi_net, fi_tax) == (_priced_net(built, "CUST-FI09"), Decimal("0.00"))
    held = query(
        warehouse,
        "select reason_code, customer_id from marts.fct_billing_exceptions "
        "where reason_code in ('tax_profile_missing', 'tax_rule_missing')",
    )
    assert held == [("tax_rule_missing", "CUST-ET01")]
    ((agreed,),) = query(
        warehouse,
        "select bool_and(is_quantity_agreed and is_amount_agreed) from marts.rpt_billing_control_totals",
    )
    assert agreed
