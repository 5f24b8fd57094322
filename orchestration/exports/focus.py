"""FOCUS 1.2 export of a closed period's vendor costs: exports/<period>/focus/ (Parquet and CSV).

Written from the rows the close froze into `ledger.focus_costs` (never from the marts, which
a later run of the period may replace), under FOCUS 1.2 column ids; meterline's own lineage
columns carry the `x_` prefix the specification reserves for custom columns. Rows are
ordered by their line id and every value is exact (decimals, not floats), so the same close
gives the same bytes. Date-times are UTC: Parquet stores them as UTC instants, the CSV as
ISO 8601 `YYYY-MM-DDTHH:MM:SSZ`. The column mapping is `sql/focus_costs.sql`, the two file
forms `sql/focus_costs_parquet.sql` and `sql/focus_costs_csv.sql`; docs/focus-export.md
lists each column's source.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.close.focus_costs import frozen_close_id
from orchestration.wiring.sql_files import sql_file

FOCUS_FOLDER = "focus"
FILE_STEM = "focus_costs"


def write_focus(con: duckdb.DuckDBPyConnection, period: str, staging: Path) -> list[tuple[Path, int]]:
    """focus/focus_costs.{parquet,csv} of the closed `period`; nothing for a close made before the freeze."""
    close_id = frozen_close_id(con, period)
    if close_id is None:
        return []
    folder = staging / FOCUS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(sql_file(__file__, "focus_costs"), {"close_id": close_id})
    row = con.execute("select count(*) from export_focus_costs").fetchone()
    count = int(row[0]) if row else 0
    parquet, csv = folder / f"{FILE_STEM}.parquet", folder / f"{FILE_STEM}.csv"
    as_instants, as_text = sql_file(__file__, "focus_costs_parquet"), sql_file(__file__, "focus_costs_csv")
    con.execute(f"copy ({as_instants}) to '{parquet}' (format parquet, compression zstd)")
    con.execute(f"copy ({as_text}) to '{csv}' (format csv, header true, quote '\"')")
    return [(parquet, count), (csv, count)]
