"""Energy pass-through prices a machine at the vendor cost of its own site: a Norwegian
customer's machine in Helsinki is costed at the Helsinki vendor's rate card (in EUR, so its
NOK price list cannot pass it through: `price_missing`, never Oslo's NOK cost), while the
customer's Oslo machine keeps the Oslo vendor's cost. Real ingest and dbt models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapter_support import dbt_build, drop, ingest, query

PERIOD = "2026-10"
CUSTOMERS = """customer_id,customer_name,country_code,currency_code,price_list_id,language_code
CUST-NO01,Fjordlys Analyse AS,NO,NOK,nordic_nok,en
"""
MACHINES = """machine_id,site_id,meter_id,billing_mode
osl1-srv-01,osl1,OSL-M07,dedicated
hel1-srv-01,hel1,HEL-M01,dedicated
"""
ASSIGNMENTS = """assignment_id,subject_type,subject_id,customer_id,effective_from,effective_to
ASG-1,machine,osl1-srv-01,CUST-NO01,2025-01-01T00:00:00Z,
ASG-2,machine,hel1-srv-01,CUST-NO01,2025-01-01T00:00:00Z,
"""
# A day of readings per site, in each site's declared format (seeds energy_sites).
OSLO = "MeterId;Timestamp;CounterKWh\n" + "".join(
    f"OSL-M07;2026-10-05T{hour:02d}:00:00+02:00;{1000 + 3 * hour},000\n" for hour in range(24)
)
HELSINKI = "meter,interval_start_utc,interval_minutes,energy_wh\n" + "".join(
    f"HEL-M01,2026-10-05T{hour:02d}:{minute:02d}:00Z,15,500\n"
    for hour in range(24)
    for minute in (0, 15, 30, 45)
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pass_through")
    landing, warehouse = work / "landing", work / "meterline.duckdb"
    drop(landing, "reference/customers.csv", text=CUSTOMERS)
    drop(landing, "reference/machines.csv", text=MACHINES)
    drop(landing, "reference/assignments.csv", text=ASSIGNMENTS)
    drop(landing, "energy/osl1/cumulative_kwh_2026-10.csv", text=OSLO)
    drop(landing, "energy/hel1/interval_wh_2026-10.csv", text=HELSINKI)
    report = ingest(landing, warehouse)
    assert not report.rejected, report.rejected
    dbt_build(warehouse, work, "+int_usage__rated")
    return warehouse


def test_each_machine_is_passed_through_at_its_own_sites_vendor(built: Path) -> None:
    rows = query(
        built,
        """
        select subject_id, rating_status, count(*), min(cost_rate_card_id), min(rating_detail)
        from intermediate.int_usage__rated where sku_id = 'energy_kwh' and not is_estimated
        group by all order by subject_id
        """,
    )
    outcomes = {machine: (status, count, vendor, detail) for machine, status, count, vendor, detail in rows}
    assert set(outcomes) == {"hel1-srv-01", "osl1-srv-01"}
    oslo_status, _, oslo_vendor, _ = outcomes["osl1-srv-01"]
    assert (oslo_status, oslo_vendor) == ("rated", "fjord_colo")
    helsinki_status, _, helsinki_vendor, helsinki_detail = outcomes["hel1-srv-01"]
    assert (helsinki_status, helsinki_vendor) == ("price_missing", None)
    assert "through at aurora_dc/power_kwh" in helsinki_detail
