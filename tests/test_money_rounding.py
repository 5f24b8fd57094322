"""Property test: the HUGEINT rounding macros agree with exact rational arithmetic in Python.

`round_half_even_product_div` prices the lines whose numerator is scaled to 10^-18 (FX lines,
pass-through, committed-use discounts) by dividing out the base units first, so a month of
byte-seconds keeps its headroom under HUGEINT. It must give exactly what rounding the whole
fraction once gives, for every sign, remainder and tie: this compiles the project's macros with
dbt and runs them in DuckDB on random and hand-picked edge values, including numerators far
above HUGEINT's limit that only the split form can hold.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction

import duckdb
import pytest

from tests.dbt_support import WAREHOUSE_NAME, dbt

HUGEINT_MAX = 2**127 - 1
GIB_HOUR = 2**30 * 3600
CASES_SQL = "select {macro} as got from cases order by case_id"


def half_even(value: Fraction) -> int:
    """Round half to even, exactly (Python's round on a Fraction does this)."""
    return round(value)


def _cases() -> list[tuple[int, int, int, int, int]]:
    rng = random.Random(20261206)
    bases = [1, 1000, 3600, 3_600_000, GIB_HOUR, 3600 * 10**9]
    cases: list[tuple[int, int, int, int]] = []
    for _ in range(3000):
        base = rng.choice(bases)
        exponent = rng.choice([16, 18, 15])
        magnitude = rng.choice([10**3, 10**12, 10**20, 10**30, 10**33])
        large = rng.randint(-magnitude, magnitude)
        small = rng.choice([rng.randint(-(10**8), 10**8), rng.randint(0, 10**13)])
        # what the split form must hold: the product with the base units divided out
        if abs(large * small) // base < 10**37:
            cases.append((large, small, base, exponent))
    # exact ties: large x small = (2k + 1) x base x 10^exponent / 2, both parities of the quotient
    for quotient in (0, 1, 2, 7, 10**9, 10**9 + 1):
        for base in (GIB_HOUR, 3600, 1):
            doubled = (2 * quotient + 1) * base * 10**16
            cases.append((doubled // 2, 1, base, 16))
            cases.append((-(doubled // 2), 1, base, 16))
    # a memory month 10^4 times the 50-million-row bench's largest line: the whole product
    # (about 10^41) would overflow HUGEINT; the split form holds about 10^29
    cases.append((15 * 10**36, 4200, GIB_HOUR, 16))
    cases.append((0, 4200, GIB_HOUR, 16))
    cases.append((5, 0, GIB_HOUR, 16))
    return [(case_id, *case) for case_id, case in enumerate(cases)]


@pytest.fixture(scope="module")
def compiled_macro(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("money-rounding")
    duckdb.connect(str(out / WAREHOUSE_NAME)).close()
    sql = CASES_SQL.format(
        macro="{{ round_half_even_product_div('large', 'small', 'base_units', 'exponent') }}"
    )
    done = dbt(out / WAREHOUSE_NAME, out, "compile", "--inline", sql, "--output", "json", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    return str(json.loads(done.stdout)["compiled"])


def test_the_split_product_rounds_exactly_as_the_whole_fraction(compiled_macro: str) -> None:
    cases = _cases()
    con = duckdb.connect()
    con.execute(
        "create table cases (case_id integer, large hugeint, small hugeint, base_units hugeint, "
        "exponent integer)"
    )
    con.executemany("insert into cases values (?, ?, ?, ?, ?)", [list(case) for case in cases])
    got = [row[0] for row in con.execute(compiled_macro).fetchall()]
    expected = [
        half_even(Fraction(large * small, base * 10**exponent)) for _, large, small, base, exponent in cases
    ]
    mismatches = [(case, g, e) for case, g, e in zip(cases, got, expected, strict=True) if g != e]
    assert not mismatches, mismatches[:5]
    # the cases reach numerators the unsplit form could not hold, and ties on both parities
    assert max(abs(large * small) for _, large, small, _, _ in cases) > HUGEINT_MAX
    assert any(g % 2 == 0 for g in got) and any(g % 2 != 0 for g in got)


def test_a_zero_base_unit_gives_null(compiled_macro: str) -> None:
    con = duckdb.connect()
    con.execute(
        "create table cases as select 0 as case_id, 10::hugeint as large, 3::hugeint as small, "
        "0::hugeint as base_units, 16 as exponent"
    )
    assert con.execute(compiled_macro).fetchall() == [(None,)]
