"""Kubernetes cluster nimbus-k8s as OpenCost sees it: one allocation per container per UTC day."""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from orchestration.demo.clock import DAY
from orchestration.demo.world import World, scaled

IDLE = "__idle__"
UNALLOCATED = "__unallocated__"
MIB = 2**20
GIB = 2**30

# namespace, controller kind, controller, containers per pod, pods at scale 1,
# CPU request (millicores), memory request (MiB), persistent volume (GiB)
WORKLOADS: tuple[tuple[str, str, str, tuple[str, ...], int, int, int, int], ...] = (
    ("abay-ingest", "deployment", "crawler", ("crawler", "redis"), 1, 500, 1024, 0),
    ("fjordlys-etl", "statefulset", "kafka", ("kafka",), 1, 2000, 8192, 200),
    ("lumiere-web", "deployment", "storefront", ("app", "envoy"), 2, 250, 512, 0),
    ("ml-platform", "deployment", "jupyterhub", ("hub",), 1, 1000, 4096, 0),
    ("nusa-batch", "statefulset", "spark-worker", ("spark",), 2, 4000, 16384, 50),
    ("redwood-serving", "deployment", "inference", ("server",), 1, 2000, 6144, 0),
    ("revontuli-api", "deployment", "api", ("api",), 2, 500, 768, 0),
    ("sandbox-x", "deployment", "scratch", ("shell",), 1, 250, 256, 0),
)

# OpenCost's own cost model, in 1/10000 USD (informational: billing never reads it)
CPU_COST_PER_MILLICORE_DAY = 7.584  # 0.0316 per core-hour
RAM_COST_PER_GIB_DAY = 1008.0  # 0.0042 per GiB-hour
NETWORK_COST_PER_GB = 100.0
PV_COST_PER_GIB_DAY = 13.0


@dataclass(frozen=True)
class Allocations:
    day: np.ndarray  # UTC epoch of the day's start
    namespace: np.ndarray
    controller_kind: np.ndarray
    controller_name: np.ndarray
    pod: np.ndarray
    container: np.ndarray
    cpu_usage_m: np.ndarray  # millicores
    cpu_request_m: np.ndarray
    ram_usage: np.ndarray  # bytes
    ram_request: np.ndarray
    network_receive: np.ndarray
    network_transfer: np.ndarray
    pv_bytes: np.ndarray
    cpu_cost: np.ndarray  # 1/10000 USD
    ram_cost: np.ndarray
    network_cost: np.ndarray
    pv_cost: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def _token(rng: np.random.Generator, length: int) -> str:
    alphabet = np.array(list(string.ascii_lowercase + string.digits))
    return "".join(rng.choice(alphabet, length))


def _containers(
    rng: np.random.Generator, scale: float
) -> list[tuple[str, str, str, str, str, int, int, int]]:
    found = []
    for namespace, kind, controller, names, pods, cpu_m, ram_mib, pv_gib in WORKLOADS:
        replica_set = _token(rng, 10)
        for replica in range(scaled(pods, scale)):
            pod = (
                f"{controller}-{replica}"
                if kind == "statefulset"
                else f"{controller}-{replica_set}-{_token(rng, 5)}"
            )
            for name in names:
                found.append((namespace, kind, controller, pod, name, cpu_m, ram_mib * MIB, pv_gib * GIB))
    return found


def simulate_allocations(world: World, rng: np.random.Generator, scale: float) -> Allocations:
    containers = _containers(rng, scale)
    days = np.arange(world.start, world.end, DAY, dtype=np.int64)
    n_days, n_containers = len(days), len(containers)
    namespace, kind, controller, pod, container, cpu_m, ram, pv = (
        np.array(c) for c in zip(*containers, strict=True)
    )
    # Overhead rows: what OpenCost cannot charge to a workload (idle capacity, orphan volumes).
    overhead = {
        "namespace": np.array([IDLE, UNALLOCATED]),
        "kind": np.array(["", ""]),
        "controller": np.array(["", ""]),
        "pod": np.array([IDLE, UNALLOCATED]),
        "container": np.array([IDLE, UNALLOCATED]),
    }
    n = (n_containers + 2) * n_days
    per_row = {
        key: np.tile(np.concatenate([values, overhead[key]]), n_days)
        for key, values in (
            ("namespace", namespace),
            ("kind", kind),
            ("controller", controller),
            ("pod", pod),
            ("container", container),
        )
    }
    is_idle = per_row["namespace"] == IDLE
    is_unallocated = per_row["namespace"] == UNALLOCATED
    request_m = np.tile(np.concatenate([cpu_m, [6500, 0]]), n_days)
    ram_request = np.tile(np.concatenate([ram, [24 * GIB, 0]]), n_days)
    # Usage wanders around the request and sometimes exceeds it (billing takes the larger).
    cpu_usage_m = np.where(
        is_idle | is_unallocated, 0, np.maximum(5, np.round(request_m * rng.uniform(0.15, 1.35, n) / 5) * 5)
    )
    ram_usage = np.where(is_idle | is_unallocated, 0, np.round(ram_request * rng.uniform(0.3, 1.15, n)))
    receive = np.where(is_unallocated, 0, rng.integers(10**6, 5 * 10**10, n))
    transfer = np.where(is_unallocated, 0, rng.integers(10**6, 2 * 10**10, n))
    pv_bytes = np.tile(np.concatenate([pv, [0, 120 * GIB]]), n_days)
    billed_m = np.maximum(cpu_usage_m, request_m)
    billed_ram = np.maximum(ram_usage, ram_request)
    allocations = Allocations(
        day=np.repeat(days, n_containers + 2),
        namespace=per_row["namespace"],
        controller_kind=per_row["kind"],
        controller_name=per_row["controller"],
        pod=per_row["pod"],
        container=per_row["container"],
        cpu_usage_m=cpu_usage_m.astype(np.int64),
        cpu_request_m=request_m.astype(np.int64),
        ram_usage=ram_usage.astype(np.int64),
        ram_request=ram_request.astype(np.int64),
        network_receive=receive,
        network_transfer=transfer,
        pv_bytes=pv_bytes.astype(np.int64),
        cpu_cost=np.round(billed_m * CPU_COST_PER_MILLICORE_DAY).astype(np.int64),
        ram_cost=np.round(billed_ram / GIB * RAM_COST_PER_GIB_DAY).astype(np.int64),
        network_cost=np.round((receive + transfer) / 1e9 * NETWORK_COST_PER_GB).astype(np.int64),
        pv_cost=np.round(pv_bytes / GIB * PV_COST_PER_GIB_DAY).astype(np.int64),
    )
    order = np.lexsort((allocations.container, allocations.pod, allocations.namespace, allocations.day))
    return Allocations(**{name: values[order] for name, values in vars(allocations).items()})
