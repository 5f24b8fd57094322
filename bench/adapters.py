"""Per-adapter ingest throughput: one N-row file per landing format through the real ingest.

For every case a vectorised writer (DuckDB `range()` + COPY, no Python loop over rows)
writes an N-row file into a fresh landing folder, and a child process ingests it with
`ingest_landing` into a fresh warehouse. Wall time, rows/s and the child's peak RSS
(`wait4` rusage) are reported per adapter and written to bench/work/adapters.json.

A new format is one more `AdapterCase` in `CASES`; a writer is any
`write(path: Path, rows: int) -> None`, e.g. a vendor format's `write_<format>_bench_file`.
`BENCH_ADAPTER_ROWS` (default 200,000) sets N; `--only` picks cases by name.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.vendor_files import BENCH_FORMATS
from orchestration.wiring.settings import PROJECT_DIR

DEFAULT_ROWS = 200_000
MIB = 1024 * 1024
Writer = Callable[[Path, int], None]


def _copy(path: Path, select: str, rows: int, *, delimiter: str = ",", header: bool = True) -> None:
    """Write `select ... from range(rows) as r(i)` as delimited text with DuckDB's COPY."""
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        escaped = str(path).replace("'", "''")
        con.execute(
            f"copy ({select.format(rows=rows)}) to '{escaped}' "
            f"(format csv, header {str(header).lower()}, delimiter '{delimiter}', quote '\"')"
        )
    finally:
        con.close()


def _time(expression: str, pattern: str) -> str:
    return f"strftime(timestamp '2026-10-01' + to_seconds({expression}), '{pattern}')"


def write_sacct_bench_file(path: Path, rows: int) -> None:
    """`sacct --parsable2` with a header (fjord-gpu layout): job rows, 8 CPUs, typed GPUs."""
    _copy(
        path,
        f"""
        select i::varchar as "JobID", i::varchar as "JobIDRaw", 'fjord' as "Cluster",
            'proj-' || (i % 50) as "Account", 'user' || (i % 400) as "User", 'gpu' as "Partition",
            'COMPLETED' as "State", {_time("i % 2592000", "%Y-%m-%dT%H:%M:%S")} as "Submit",
            {_time("i % 2592000", "%Y-%m-%dT%H:%M:%S")} as "Start",
            {_time("i % 2592000 + 3600", "%Y-%m-%dT%H:%M:%S")} as "End",
            '01:00:00' as "Elapsed", '3600' as "ElapsedRaw",
            'billing=8,cpu=8,gres/gpu:a100=2,gres/gpu=2,mem=64G,node=1' as "AllocTRES",
            'node' || (i % 100) as "NodeList"
        from range({{rows}}) as r(i)
        """,
        rows,
        delimiter="|",
    )


def write_sacct_headerless_bench_file(path: Path, rows: int) -> None:
    """Hábrók layout: 37 declared fields, `☃` delimiter, trailing delimiter, no header."""
    from orchestration.ingest.layouts import Declarations

    fields = Declarations.from_seeds(PROJECT_DIR / "seeds").slurm_layouts["habrok"].fields
    values = {
        "JobID": "i::varchar",
        "User": "'user' || (i % 400)",
        "State": "'COMPLETED'",
        "Start": _time("i % 2592000", "%Y-%m-%dT%H:%M:%S"),
        "Elapsed": "'1-02:00:00'",
        "AllocTRES": "'billing=8,cpu=8,mem=64G,node=1'",
    }
    columns = ", ".join(f'{values.get(f, "null")} as "{f}"' for f in fields)
    _copy(
        path,
        f"select {columns}, null as _trailing from range({{rows}}) as r(i)",
        rows,
        delimiter="☃",
        header=False,
    )


def write_sacct_declared_fields_bench_file(path: Path, rows: int) -> None:
    """Cluster tundra's declared layout: no header, no Account, no AllocTRES (NCPUS, ReqMem)."""
    from orchestration.ingest.layouts import Declarations

    fields = Declarations.from_seeds(PROJECT_DIR / "seeds").slurm_layouts["tundra"].fields
    values = {
        "State": "'COMPLETED'",
        "JobID": "i::varchar",
        "ReqCPUS": "'4'",
        "ReqMem": "'2000Mc'",
        "NNodes": "'1'",
        "Elapsed": "'02:00:00'",
        "Start": _time("i % 2592000", "%Y-%m-%dT%H:%M:%S"),
        "User": "'user' || (i % 400)",
        "NCPUS": "'4'",
        "Partition": "'part-' || (i % 20)",
    }
    columns = ", ".join(f'{values.get(f, "null")} as "{f}"' for f in fields)
    _copy(path, f"select {columns} from range({{rows}}) as r(i)", rows, delimiter="|", header=False)


def write_opencost_csv_bench_file(path: Path, rows: int) -> None:
    """OpenCost allocation CSV export: one row per container and day."""
    from orchestration.ingest.layouts import OPENCOST_COLUMNS

    values = {
        "Date": "strftime(date '2026-10-01' + (i % 31)::integer, '%Y-%m-%d')",
        "Namespace": "'ns-' || (i % 40)",
        "Pod": "'pod-' || i",
        "Container": "'main'",
        "CPUCoreUsageAverage": "'0.5'",
        "CPUCoreRequestAverage": "'1'",
        "RAMBytesUsageAverage": "'1073741824'",
        "RAMBytesRequestAverage": "'2147483648'",
    }
    columns = ", ".join(f'{values.get(c, "0")} as "{c}"' for c in OPENCOST_COLUMNS)
    _copy(path, f"select {columns} from range({{rows}}) as r(i)", rows)


def write_opencost_json_bench_file(path: Path, rows: int) -> None:
    """OpenCost `/allocation` response: one JSON document, `step=1d`, `rows` allocations over 31 days.

    The response is a single JSON object, so its size is bounded by the reader's maximum object
    size (2 GiB, about 5 million allocations); larger exports are split by window.
    """
    window = "strftime(timestamp '2026-10-01' + to_days(cast(d as integer) + {0}), '%Y-%m-%dT%H:%M:%SZ')"
    name = "'ns-' || (i % 40) || '/pod-' || i || '/main'"
    _copy_json(
        path,
        f"""
        select 200 as code, 'success' as status, list(step order by d) as data
        from (
            select d, map_from_entries(list({{'key': {name}, 'value': {{
                'name': {name},
                'properties': {{'cluster': 'nimbus', 'namespace': 'ns-' || (i % 40), 'pod': 'pod-' || i,
                    'container': 'main'}},
                'window': {{'start': {window.format(0)}, 'end': {window.format(1)}}},
                'cpuCoreRequestAverage': 1.0, 'cpuCoreUsageAverage': 0.5, 'cpuCoreHours': 24.0,
                'ramByteRequestAverage': 2147483648, 'ramByteUsageAverage': 1073741824,
                'ramByteHours': 51539607552
            }}}} order by i)) as step
            from (select i, i % 31 as d from range({rows}) as r(i))
            group by d
        )
        """,
    )


def _copy_json(path: Path, select: str) -> None:
    con = duckdb.connect()
    try:
        escaped = str(path).replace("'", "''")
        con.execute(f"copy ({select}) to '{escaped}' (format json)")
    finally:
        con.close()


def write_cumulative_kwh_bench_file(path: Path, rows: int) -> None:
    """osl1: `MeterId;Timestamp;CounterKWh`, 15-minute cumulative counters, local time."""
    _copy(
        path,
        f"""
        select 'M' || (i % 100) as "MeterId", {_time("(i // 100) * 900", "%Y-%m-%dT%H:%M:%S")} as "Timestamp",
            ((i // 100) * 0.25)::decimal(18, 3)::varchar as "CounterKWh"
        from range({{rows}}) as r(i)
        """,
        rows,
        delimiter=";",
    )


def write_interval_wh_bench_file(path: Path, rows: int) -> None:
    """hel1: `meter,interval_start_utc,interval_minutes,energy_wh`."""
    _copy(
        path,
        f"""
        select 'M' || (i % 100) as meter,
            {_time("(i // 100) * 900", "%Y-%m-%dT%H:%M:%SZ")} as interval_start_utc,
            '15' as interval_minutes, '250' as energy_wh
        from range({{rows}}) as r(i)
        """,
        rows,
    )


def write_tenth_kwh_counter_bench_file(path: Path, rows: int) -> None:
    """add1: `DeviceSerial,ReadingTime,Register` in tenths of kWh, local day-first time."""
    _copy(
        path,
        f"""
        select 'D' || (i % 100) as "DeviceSerial",
            {_time("(i // 100) * 900", "%d/%m/%Y %H:%M")} as "ReadingTime",
            ((i // 100) * 3)::varchar as "Register"
        from range({{rows}}) as r(i)
        """,
        rows,
    )


def write_ptd_power_log_bench_file(path: Path, rows: int) -> None:
    """cgk1: SPEC PTDaemon 1 Hz power log lines, no header."""
    _copy(
        path,
        f"""
        select 'Time', {_time("i", "%m-%d-%Y %H:%M:%S.000")}, 'Watts', '23.430000', 'Volts', '228.370000',
            'Amps', '0.204280', 'PF', '0.502300', 'Mark', 'bench'
        from range({{rows}}) as r(i)
        """,
        rows,
        header=False,
    )


@dataclass(frozen=True)
class AdapterCase:
    """One landing format: where its file lands, how to write N rows and which raw table it feeds."""

    name: str
    landing_path: str
    raw_table: str
    write: Writer


CASES: list[AdapterCase] = [
    AdapterCase(
        "sacct_parsable2", "scheduler/slurm/fjord-gpu/sacct.txt", "slurm_jobs", write_sacct_bench_file
    ),
    AdapterCase(
        "sacct_headerless_snowman",
        "scheduler/slurm/habrok/sacct.txt",
        "slurm_jobs",
        write_sacct_headerless_bench_file,
    ),
    AdapterCase(
        "sacct_declared_fields",
        "scheduler/slurm/tundra/sacct.txt",
        "slurm_jobs",
        write_sacct_declared_fields_bench_file,
    ),
    AdapterCase(
        "opencost_csv",
        "scheduler/opencost/nimbus-k8s/allocations.csv",
        "opencost_allocations",
        write_opencost_csv_bench_file,
    ),
    AdapterCase(
        "opencost_json",
        "scheduler/opencost/nimbus-k8s/allocation.json",
        "opencost_allocation_records",
        write_opencost_json_bench_file,
    ),
    AdapterCase(
        "energy_cumulative_kwh",
        "energy/osl1/counters.csv",
        "energy_cumulative_kwh",
        write_cumulative_kwh_bench_file,
    ),
    AdapterCase(
        "energy_interval_wh", "energy/hel1/intervals.csv", "energy_interval_wh", write_interval_wh_bench_file
    ),
    AdapterCase(
        "energy_tenth_kwh_counter",
        "energy/add1/registers.csv",
        "energy_tenth_kwh_counter",
        write_tenth_kwh_counter_bench_file,
    ),
    AdapterCase(
        "energy_ptd_power_log",
        "energy/cgk1/power.txt",
        "energy_ptd_power_log",
        write_ptd_power_log_bench_file,
    ),
]


# Vendor billing formats: the raw table each export format feeds.
_VENDOR_RAW_TABLES = {
    "focus": "focus_charges",
    "aws_cur": "aws_cur_line_items",
    "azure": "azure_cost_details",
    "gcp": "gcp_billing_lines",
    "oci": "oci_cost_lines",
    "colo": "colo_invoice_lines",
}
CASES += [
    AdapterCase(fmt, f"{folder}/{name}", _VENDOR_RAW_TABLES[folder.split("/")[1]], writer)
    for fmt, (folder, name, writer) in BENCH_FORMATS.items()
]


def _ingest_child(landing: Path, warehouse: Path) -> None:
    """Runs in the child process: the real ingest, then print the row counts as JSON."""
    from orchestration.ingest.loader import ingest_landing

    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        report = ingest_landing(con, landing, PROJECT_DIR / "seeds")
    finally:
        con.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": dict(report.rows_by_table), "rejected": report.rejected, "seconds": seconds}))


def run_case(case: AdapterCase, rows: int, work: Path) -> dict[str, object]:
    landing, warehouse = work / case.name / "landing", work / case.name / "warehouse.duckdb"
    target = landing / case.landing_path
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    case.write(target, rows)
    written = time.perf_counter() - started
    command = [sys.executable, "-m", "bench.adapters", "--child", str(landing), str(warehouse)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{case.name}: ingest exited with {child.returncode}")
    result = json.loads(output.strip().splitlines()[-1])
    loaded, seconds = int(result["rows"].get(case.raw_table, 0)), float(result["seconds"])
    if result["rejected"] or loaded != rows:
        raise RuntimeError(f"{case.name}: loaded {loaded} of {rows} rows; rejected {result['rejected']}")
    return {
        "adapter": case.name,
        "rows": rows,
        "file_mib": round(target.stat().st_size / MIB, 1),
        "write_seconds": round(written, 2),
        "ingest_seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        # ru_maxrss is in KiB on Linux
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
    }


def _table(results: list[dict[str, object]]) -> str:
    header = ("adapter", "rows", "file_mib", "ingest_seconds", "rows_per_second", "peak_rss_mib")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    lines += [
        " | ".join(f"{r[h]:,}" if isinstance(r[h], int) else str(r[h]) for h in header) for r in results
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterline-bench-adapters", description=__doc__)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ADAPTER_ROWS", DEFAULT_ROWS)))
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    parser.add_argument("--output", type=Path, default=PROJECT_DIR / "bench" / "work" / "adapters.json")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _ingest_child(*args.child)
        return 0
    cases = [c for c in CASES if not args.only or c.name in args.only]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-adapters-") as work:
        for case in cases:
            results.append(run_case(case, args.rows, Path(work)))
            print(f"{case.name}: {results[-1]['rows_per_second']:,} rows/s", flush=True)
            # each case's files go as soon as it is measured (10M-row files are large)
            _remove_tree(Path(work) / case.name)
    print(_table(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
