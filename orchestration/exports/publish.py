"""Marts published for readers: per-period Parquet and a small DuckDB catalog of views over them.

DuckDB lets one process write a file, and a reader holding it open keeps the writer out. So
analysts and BI tools never open the warehouse: after each successful run its period's marts
are copied to `published/<period>/<mart>.parquet` (a folder replaced atomically, as exports
are, so a reader sees the old month or the new one, never half of each) and
`published/meterline.duckdb`, a catalog of one view per mart over every published month, is
rebuilt beside it and renamed into place. A reader keeps what it opened while the next run
publishes: the replaced files stay readable through the handles it holds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from orchestration.exports.swap import publish, staging_folder

CATALOG = "meterline.duckdb"
MART_SCHEMA = "marts"
PERIOD_FOLDER = re.compile(r"\d{4}-\d{2}")


def _literal(path: Path) -> str:
    """A path as a SQL string literal (COPY and read_parquet take no parameters for it)."""
    return "'" + str(path).replace("'", "''") + "'"


def period_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's marts that are partitioned by billing period, in name order."""
    rows = con.execute(
        """
        select table_name from duckdb_columns()
        where schema_name = ? and column_name = 'billing_period'
        order by table_name
        """,
        [MART_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def publish_period(con: duckdb.DuckDBPyConnection, period: str, published_dir: Path) -> dict[str, int]:
    """Copy `period`'s rows of every mart to Parquet and swap them in; rows per mart.

    Rows are written in a total order so a re-run of an unchanged month gives identical bytes.
    """
    staging = staging_folder(published_dir, period)
    rows: dict[str, int] = {}
    for mart in period_marts(con):
        target = staging / f"{mart}.parquet"
        con.execute(
            f"copy (select * from {MART_SCHEMA}.{mart} where billing_period = $period order by all) "
            f"to {_literal(target)} (format parquet, compression zstd)",
            {"period": period},
        )
        counted = con.execute(f"select count(*) from read_parquet({_literal(target)})").fetchone()
        rows[mart] = int(counted[0]) if counted else 0
    publish(published_dir, period, staging)
    rebuild_catalog(published_dir)
    return rows


def published_periods(published_dir: Path) -> list[str]:
    return sorted(
        entry.name
        for entry in published_dir.iterdir()
        if PERIOD_FOLDER.fullmatch(entry.name) and entry.is_dir()
    )


def rebuild_catalog(published_dir: Path) -> Path:
    """Write `published/meterline.duckdb` anew: schema `marts`, one view per mart over every
    published month (read through the `<period>` links, so later swaps show without a rebuild)."""
    files: dict[str, list[Path]] = {}
    for period in published_periods(published_dir):
        for parquet in sorted((published_dir / period).glob("*.parquet")):
            files.setdefault(parquet.stem, []).append(published_dir.absolute() / period / parquet.name)
    partial = published_dir / f".{CATALOG}.partial"
    partial.unlink(missing_ok=True)
    with duckdb.connect(str(partial)) as catalog:
        catalog.execute(f"create schema {MART_SCHEMA}")
        for mart, paths in sorted(files.items()):
            listed = ", ".join(_literal(path) for path in paths)
            # union_by_name: a month published before a mart gained a column still reads.
            catalog.execute(
                f"create view {MART_SCHEMA}.{mart} as "
                f"select * from read_parquet([{listed}], union_by_name = true)"
            )
    # A rename: readers holding the old catalog open keep it; new ones get this one.
    target = published_dir / CATALOG
    os.replace(partial, target)
    return target
