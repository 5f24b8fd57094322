"""The published copy for readers survives a kill at every step of publishing a month.

`publish_period` writes the month's Parquet into a new folder, swaps it in with one rename and
rebuilds the catalog beside it. Killed (SIGKILL, from inside, at an exact point) between any two
steps, readers of `published/<period>/` and of the catalog still see one complete month, the
old one or the new one, and the next publish leaves exactly what an uninterrupted one does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.exports.publish import CATALOG, publish_period
from tests.e2e_support import folder_digest

PERIOD = "2026-10"
MARTS = ("fct_amounts", "rpt_totals")

KILLER = """
import os, shutil, signal, sys
from pathlib import Path
import duckdb
point, warehouse, published, period = sys.argv[1:]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "before_complete":
    rename = Path.rename
    Path.rename = lambda self, target: die() if self.name.endswith(".partial") else rename(self, target)
elif point == "before_flip":
    replace = os.replace
    os.replace = lambda src, dst: die() if Path(src).name.endswith(".link") else replace(src, dst)
elif point == "before_catalog":
    replace = os.replace
    os.replace = lambda src, dst: die() if Path(src).name.endswith(".duckdb.partial") else replace(src, dst)
else:
    shutil.rmtree = die
from orchestration.exports.publish import publish_period
with duckdb.connect(warehouse, read_only=True) as con:
    publish_period(con, period, Path(published))
"""


def _write_month(warehouse: Path, amount: str) -> None:
    """The period's rows of two marts, every amount `amount`."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        for mart in MARTS:
            con.execute(
                f"create or replace table marts.{mart} (billing_period varchar, amount decimal(18, 2))"
            )
            con.execute(
                f"insert into marts.{mart} select ?, cast(? as decimal(18, 2)) from range(3)",
                [PERIOD, amount],
            )


def _publish(warehouse: Path, published: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        publish_period(con, PERIOD, published)


def _read_through_catalog(published: Path) -> set[str]:
    with duckdb.connect(str(published / CATALOG), read_only=True) as catalog:
        return {
            str(amount)
            for mart in MARTS
            for (amount,) in catalog.execute(f"select distinct amount from marts.{mart}").fetchall()
        }


@pytest.mark.parametrize("point", ["before_complete", "before_flip", "before_catalog", "before_cleanup"])
def test_a_publish_killed_at_any_step_leaves_one_complete_month_and_the_next_one_repairs(
    tmp_path: Path, point: str
) -> None:
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    # Two earlier publishes, so the third also has an old version to clean up.
    for amount in ("1.00", "2.00"):
        _write_month(warehouse, amount)
        _publish(warehouse, published)
    old = folder_digest(published / PERIOD)
    _write_month(warehouse, "3.00")

    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(warehouse), str(published), PERIOD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr

    # Readers see one whole month: the old one until the folder's link flips, the new one after.
    flipped = point in ("before_catalog", "before_cleanup")
    assert _read_through_catalog(published) == {"3.00" if flipped else "2.00"}
    if not flipped:
        assert folder_digest(published / PERIOD) == old

    _publish(warehouse, published)
    repaired = folder_digest(published / PERIOD)
    assert _read_through_catalog(published) == {"3.00"}
    assert not [path.name for path in published.iterdir() if path.name.endswith((".partial", ".link"))]

    # Exactly what an uninterrupted publish of the same rows leaves.
    clean = tmp_path / "clean"
    _publish(warehouse, clean)
    assert repaired == folder_digest(clean / PERIOD)
