"""OpenCost allocation CSV export of the Kubernetes cluster."""

from __future__ import annotations

from pathlib import Path

from orchestration.demo.k8s import Allocations
from orchestration.demo.text import Written, clock, ints, join, strings, trimmed, write_lines

HEADER = (
    "Date,Namespace,ControllerKind,ControllerName,Pod,Container,CPUCoreUsageAverage,"
    "CPUCoreRequestAverage,RAMBytesUsageAverage,RAMBytesRequestAverage,NetworkReceiveBytes,"
    "NetworkTransferBytes,GPUs,PVBytes,CPUCost,RAMCost,NetworkCost,PVCost,GPUCost,TotalCost"
)


def write_allocations(landing: Path, period: str, cluster_id: str, rows: Allocations) -> Written:
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
