"""OpenCost exports of the Kubernetes cluster: the allocation CSV, and the last day of the month
as the `/allocation` API JSON response (one window step of one UTC day, keyed by allocation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo.clock import DAY
from orchestration.demo.k8s import IDLE, UNALLOCATED, Allocations
from orchestration.demo.text import Written, clock, fixed, ints, join, pick, strings, trimmed, write_lines

HEADER = (
    "Date,Namespace,ControllerKind,ControllerName,Pod,Container,CPUCoreUsageAverage,"
    "CPUCoreRequestAverage,RAMBytesUsageAverage,RAMBytesRequestAverage,NetworkReceiveBytes,"
    "NetworkTransferBytes,GPUs,PVBytes,CPUCost,RAMCost,NetworkCost,PVCost,GPUCost,TotalCost"
)


def _take(rows: Allocations, mask: np.ndarray) -> Allocations:
    return Allocations(**{name: values[mask] for name, values in vars(rows).items()})


def _api_response(rows: Allocations, cluster_id: str) -> str:
    """One `/allocation?window=<day>&aggregate=container` step: the day's allocations by key.

    `cpuCoreHours`/`ramByteHours` are max(request, usage) over 24 h, exactly what the CSV
    bills from its day averages, so the customer quantities do not depend on the format.
    """
    overhead = np.isin(rows.namespace, [IDLE, UNALLOCATED])
    key = pick(
        overhead,
        strings(rows.namespace),
        join([strings(rows.namespace), "/", strings(rows.pod), "/", strings(rows.container)]),
    )
    start = clock(rows.day, "%Y-%m-%dT%H:%M:%SZ")
    end = clock(rows.day + DAY, "%Y-%m-%dT%H:%M:%SZ")
    total = rows.cpu_cost + rows.ram_cost + rows.network_cost + rows.pv_cost
    record = join(
        [
            '"', key, '":{"name":"', key, '","properties":{"cluster":"', cluster_id,
            '","namespace":"', strings(rows.namespace),
            '","controllerKind":"', strings(rows.controller_kind),
            '","controller":"', strings(rows.controller_name),
            '","pod":"', strings(rows.pod), '","container":"', strings(rows.container),
            '"},"window":{"start":"', start, '","end":"', end,
            '"},"start":"', start, '","end":"', end,
            '","cpuCoreRequestAverage":', trimmed(rows.cpu_request_m, 3),
            ',"cpuCoreUsageAverage":', trimmed(rows.cpu_usage_m, 3),
            ',"cpuCoreHours":', fixed(np.maximum(rows.cpu_usage_m, rows.cpu_request_m) * 24, 3),
            ',"ramByteRequestAverage":', ints(rows.ram_request),
            ',"ramByteUsageAverage":', ints(rows.ram_usage),
            ',"ramByteHours":', ints(np.maximum(rows.ram_usage, rows.ram_request) * 24),
            ',"gpuCount":0,"cpuCost":', trimmed(rows.cpu_cost, 4),
            ',"ramCost":', trimmed(rows.ram_cost, 4),
            ',"networkCost":', trimmed(rows.network_cost, 4),
            ',"pvCost":', trimmed(rows.pv_cost, 4),
            ',"totalCost":', trimmed(total, 4), "}",
        ]
    )  # fmt: skip
    step = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(record)], pa.int32()), record), ",\n")
    return '{"code":200,"status":"success","data":[{\n' + step[0].as_py() + "\n}]}\n"


def write_allocations(landing: Path, period: str, cluster_id: str, rows: Allocations) -> Written:
    """The CSV export of every day but the last; the last day as the API's JSON response."""
    api_day = rows.day.max()
    api_rows = _take(rows, rows.day == api_day)
    rows = _take(rows, rows.day != api_day)
    written = _write_csv(landing, period, cluster_id, rows)
    day_text = clock(np.array([api_day]), "%Y-%m-%d")[0].as_py()
    relative = f"scheduler/opencost/{cluster_id}/allocation_api_{day_text}.json"
    (landing / relative).write_text(_api_response(api_rows, cluster_id), encoding="utf-8")
    written.rows[relative] = len(api_rows)
    return written


def _write_csv(landing: Path, period: str, cluster_id: str, rows: Allocations) -> Written:
    total = rows.cpu_cost + rows.ram_cost + rows.network_cost + rows.pv_cost
    lines = join(
        [
            clock(rows.day, "%Y-%m-%d"),
            strings(rows.namespace),
            strings(rows.controller_kind),
            strings(rows.controller_name),
            strings(rows.pod),
            strings(rows.container),
            trimmed(rows.cpu_usage_m, 3),
            trimmed(rows.cpu_request_m, 3),
            ints(rows.ram_usage),
            ints(rows.ram_request),
            ints(rows.network_receive),
            ints(rows.network_transfer),
            "0",
            ints(rows.pv_bytes),
            trimmed(rows.cpu_cost, 4),
            trimmed(rows.ram_cost, 4),
            trimmed(rows.network_cost, 4),
            trimmed(rows.pv_cost, 4),
            "0",
            trimmed(total, 4),
        ],
        ",",
    )
    relative = f"scheduler/opencost/{cluster_id}/allocations_{period}.csv"
    return Written(rows={relative: write_lines(landing / relative, lines, HEADER)})
