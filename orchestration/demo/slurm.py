"""Slurm cluster fjord-gpu: the month's jobs and which of the two sacct dumps list them.

One record per sacct *job* row (a requeued job has two: the `REQUEUED` attempt and the final
one); step rows are derived from the job when the dump is written. Instants are UTC epoch
seconds; `Start`/`End` text is rendered in the cluster's zone by the writer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from orchestration.demo.clock import DAY, HOUR, LocalClock, period_bounds
from orchestration.demo.world import (
    ACCOUNT_MOVE,
    MOVES_PERIOD,
    SLURM_OWNERS,
    UNASSIGNED_ACCOUNT,
    World,
    scaled,
)

MINUTE = 60
NOT_STARTED = -1  # sacct prints Start = None
NO_END = -1  # sacct prints End = Unknown
FIRST_JOB_ID = 4_810_000  # the demo month's first job id
FIRST_JOB_ID_PERIOD = "2026-10"
JOB_IDS_PER_MONTH = 1_000  # per unit of scale: more than a month submits
GARBLED_ELAPSED_RAW = "12x4"

# Record tags: defects the truth and defects.json need to find again, plus named scenarios.
LATE = "late_usage"
INVALID = "invalid_value"
REQUEUED = "requeued_attempt"
REQUEUED_FINAL = "requeued_final"
CARRIED = "from_previous_month"  # started last month, still running at this month's start

KINDS = ("a100", "h100", "cpu")
PARTITIONS = {"a100": "gpu-a100", "h100": "gpu-h100", "cpu": "cpu"}
ACCOUNTS = tuple(sorted([*SLURM_OWNERS, UNASSIGNED_ACCOUNT]))


@dataclass(frozen=True)
class Dumps:
    """When the two sacct dumps were taken; finished jobs in the overlap are in both."""

    a_at: int
    b_at: int
    overlap: int


def dumps_for(start: int, end: int) -> Dumps:
    # Dump a mid-month lists jobs finished by then; dump b, taken after the period end, lists
    # everything finished since a day before dump a, plus running and pending jobs.
    return Dumps(a_at=start + 16 * DAY + 5 * HOUR, b_at=end + 6 * HOUR, overlap=DAY)


@dataclass(frozen=True)
class Jobs:
    job_id: np.ndarray  # "4810123" or "4810120_3" (array task)
    job_id_raw: np.ndarray
    account: np.ndarray
    user: np.ndarray
    uid: np.ndarray
    partition: np.ndarray
    state: np.ndarray  # sacct text: COMPLETED, "CANCELLED by 51003", RUNNING, PENDING, REQUEUED, ...
    submit: np.ndarray
    start: np.ndarray  # NOT_STARTED or UTC epoch
    end: np.ndarray  # NO_END or UTC epoch
    elapsed: np.ndarray  # ElapsedRaw seconds
    cpus: np.ndarray
    gpus: np.ndarray
    gpu_type: np.ndarray  # "" for CPU-only jobs
    mem_value: np.ndarray
    mem_unit: np.ndarray  # "G" | "M"
    nodes: np.ndarray
    node_list: np.ndarray
    billing: np.ndarray
    srun_step: np.ndarray  # whether the job ran an `.0` step
    in_a: np.ndarray
    in_b: np.ndarray
    tag: np.ndarray

    def __len__(self) -> int:
        return len(self.job_id)

    def take(self, index: np.ndarray) -> Jobs:
        return Jobs(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def started(self) -> np.ndarray:
        return self.start != NOT_STARTED


def _users(account: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three users per account; uid doubles as the `CANCELLED by <uid>` actor."""
    account_index = np.searchsorted(np.array(ACCOUNTS), account)
    uid = 51000 + 10 * account_index + rng.integers(0, 3, len(account))
    return np.char.add("user", uid.astype(str)), uid


def _resources(
    rng: np.random.Generator, kind: np.ndarray, gpus_per_node: np.ndarray, nodes: np.ndarray, world: World
) -> dict[str, np.ndarray]:
    n = len(kind)
    is_gpu = kind != "cpu"
    gpus = np.where(is_gpu, gpus_per_node * nodes, 0)
    cpus = np.where(is_gpu, 8 * gpus, rng.choice([1, 2, 4, 8, 16, 32, 64], n))
    mem_in_mib = ~is_gpu & (rng.random(n) < 0.5)
    mem_value = np.where(
        is_gpu,
        gpus * rng.choice([48, 64, 100, 120], n),
        np.where(mem_in_mib, cpus * rng.choice([1000, 2000, 4000], n), cpus * rng.choice([2, 4, 8], n)),
    )
    node_names = {k: [m.machine_id for m in world.machines if m.kind == k] for k in KINDS}
    available = np.array([len(node_names[k]) for k in kind])
    nodes = np.minimum(nodes, available)
    first = np.floor(rng.random(n) * (available - nodes + 1))
    node_list = np.array(
        [
            node_names[k][i] if c == 1 else f"{node_names[k][i].rsplit('-', 1)[0]}-[{i + 1:02d}-{i + c:02d}]"
            for k, i, c in zip(kind, first.astype(int), nodes, strict=True)
        ]
    )
    return {
        "partition": np.array([PARTITIONS[k] for k in kind]),
        "cpus": cpus,
        "gpus": gpus,
        "gpu_type": np.where(is_gpu, kind, ""),
        "mem_value": mem_value,
        "mem_unit": np.where(mem_in_mib, "M", "G"),
        "nodes": nodes,
        "node_list": node_list,
        "billing": cpus + gpus * np.where(kind == "h100", 20, 12),
        "srun_step": rng.random(n) < 0.5,
    }


def _draft(
    rng: np.random.Generator,
    world: World,
    kind: np.ndarray,
    account: np.ndarray,
    submit: np.ndarray,
    start: np.ndarray,
    elapsed: np.ndarray,
    outcome: np.ndarray,
    gpus_per_node: np.ndarray,
    nodes: np.ndarray,
    tag: np.ndarray,
    array_group: np.ndarray,
    array_task: np.ndarray,
) -> dict[str, np.ndarray]:
    user, uid = _users(account, rng)
    return {
        "account": account,
        "user": user,
        "uid": uid,
        "submit": submit,
        "start": start,
        "elapsed": elapsed,
        "outcome": outcome,
        "tag": tag,
        "array_group": array_group,
        "array_task": array_task,
        **_resources(rng, kind, gpus_per_node, nodes, world),
    }


def _unambiguous(start: np.ndarray, clock: LocalClock) -> np.ndarray:
    """Move Starts (and their steps' Starts, a few seconds later) out of a DST fall-back's
    repeated local hour, where local text without offset is ambiguous; 3 h clears it."""
    return np.where(clock.is_ambiguous(start) | clock.is_ambiguous(start + MINUTE), start + 3 * HOUR, start)


def _random_jobs(rng: np.random.Generator, world: World, clock: LocalClock, n: int) -> dict[str, np.ndarray]:
    kind = rng.choice(KINDS, n, p=[0.4, 0.2, 0.4])
    start = rng.integers(world.start + 10 * MINUTE, world.end - 30 * MINUTE, n)
    start = _unambiguous(start, clock)
    multi_node = (kind != "cpu") & (rng.random(n) < 0.1)
    return _draft(
        rng,
        world,
        kind=kind,
        account=rng.choice(sorted(SLURM_OWNERS), n),
        submit=start - np.minimum(rng.exponential(20 * MINUTE, n), 8 * HOUR).astype(np.int64),
        start=start,
        elapsed=np.clip(rng.lognormal(np.log(2 * HOUR), 1.2, n), MINUTE, 3 * DAY).astype(np.int64),
        outcome=np.where(
            rng.random(n) < 0.04,
            "UNSTARTED",
            rng.choice(["COMPLETED", "FAILED", "TIMEOUT", "CANCELLED"], n, p=[0.74, 0.1, 0.06, 0.1]),
        ),
        gpus_per_node=rng.choice([1, 2, 4, 8], n, p=[0.4, 0.3, 0.2, 0.1]),
        nodes=np.where(multi_node, 2, 1),
        tag=np.full(n, ""),
        array_group=np.full(n, -1),
        array_task=np.zeros(n, dtype=np.int64),
    )


def _array_jobs(
    rng: np.random.Generator, world: World, clock: LocalClock, groups: int
) -> dict[str, np.ndarray]:
    """CPU array jobs (`<id>_<task>`): tasks share a submit time and start one after another."""
    tasks = rng.integers(3, 7, groups)
    group = np.repeat(np.arange(groups), tasks)
    task = np.concatenate([np.arange(t) for t in tasks])
    submit = np.repeat(rng.integers(world.start + HOUR, world.end - 2 * DAY, groups), tasks)
    start = submit + 30 + task * rng.integers(5 * MINUTE, 40 * MINUTE, len(task))
    start = _unambiguous(start, clock)
    n = len(task)
    return _draft(
        rng,
        world,
        kind=np.full(n, "cpu"),
        account=np.repeat(rng.choice(sorted(SLURM_OWNERS), groups), tasks),
        submit=submit,
        start=start,
        elapsed=rng.integers(10 * MINUTE, 4 * HOUR, n),
        outcome=rng.choice(["COMPLETED", "FAILED"], n, p=[0.9, 0.1]),
        gpus_per_node=np.zeros(n, dtype=np.int64),
        nodes=np.ones(n, dtype=np.int64),
        tag=np.full(n, ""),
        array_group=group,
        array_task=task,
    )


def _scenario_jobs(
    rng: np.random.Generator, world: World, clock: LocalClock, dumps: Dumps, price_changes: list[int]
) -> dict[str, np.ndarray]:
    """Hand-placed jobs: every boundary and defect the truth must handle, at any scale."""
    p0, p1 = world.start, world.end
    move = period_bounds(MOVES_PERIOD)[0] + ACCOUNT_MOVE[2]
    # tag, account, kind, gpus per node, start (None = never started), elapsed, outcome
    # The jobs crossing the period end run into the next month, whose dumps list them again as
    # jobs crossing that month's start.
    specs: list[tuple[str, str, str, int, int | None, int, str]] = [
        ("crosses_period_end", "fjordlys-hpc", "a100", 2, p1 - 30 * HOUR, 52 * HOUR + 17, "COMPLETED"),
        ("crosses_period_end", "redwood-ai", "cpu", 0, p1 - 3 * HOUR - 1025, 4 * HOUR + 1234, "FAILED"),
        (LATE, "redwood-ai", "cpu", 0, p0 - 10 * DAY + 7 * HOUR, 5 * HOUR + 11 * MINUTE, "COMPLETED"),
        ("account_move", "shared-research", "h100", 4, move - 5 * HOUR - 423, 11 * HOUR, "COMPLETED"),
        ("unattributed", UNASSIGNED_ACCOUNT, "a100", 1, p0 + 4 * DAY + 9 * HOUR, 3 * HOUR, "COMPLETED"),
        ("unattributed", UNASSIGNED_ACCOUNT, "cpu", 0, p0 + 24 * DAY + 14 * HOUR, 7 * HOUR, "COMPLETED"),
        (REQUEUED, "nusa-vision", "h100", 2, p0 + 20 * DAY + 3 * HOUR, 2 * HOUR, "REQUEUED"),
        (REQUEUED_FINAL, "nusa-vision", "h100", 2, p0 + 20 * DAY + 5 * HOUR + 600, 6 * HOUR, "COMPLETED"),
        (INVALID, "nusa-vision", "a100", 1, p0 + 22 * DAY + 3 * HOUR, 4 * HOUR, "COMPLETED"),
        ("crosses_period_end", "lumiere-ml", "h100", 1, p1 - 5 * HOUR - 77, 8 * HOUR, "COMPLETED"),
        ("running_at_dump", "fjordlys-hpc", "a100", 4, p1 - 2 * DAY + 1234, 9 * DAY, "COMPLETED"),
        ("pending_at_dump", "redwood-ai", "h100", 2, None, 0, "PENDING"),
        ("pending_at_dump", "abay-nlp", "cpu", 0, None, 0, "PENDING"),
        ("cancelled_before_start", "abay-nlp", "cpu", 0, None, 0, "UNSTARTED"),
        ("dump_overlap", "revontuli-sim", "cpu", 0, dumps.a_at - 6 * HOUR, 2 * HOUR + 99, "COMPLETED"),
    ]
    for c in price_changes:
        specs.append(("price_change", "lumiere-ml", "a100", 2, c - 6 * HOUR - 41, 14 * HOUR, "COMPLETED"))
        specs.append(("price_change", "fjordlys-hpc", "a100", 1, c - 3 * HOUR, 9 * HOUR + 5, "COMPLETED"))
    for f in clock.fall_back_hours():
        if p0 <= f < p1:
            specs.append(
                ("dst_change", "revontuli-sim", "a100", 1, f - 4 * HOUR - 1200, 9 * HOUR, "COMPLETED")
            )
            specs.append(("dst_change", "abay-nlp", "cpu", 0, f - 2 * HOUR, 26 * HOUR, "COMPLETED"))

    # The account moves once (in the demo month): other months have no job around the move.
    specs = [spec for spec in specs if spec[0] != "account_move" or p0 <= (spec[4] or 0) < p1]
    n = len(specs)
    tag, account, kind, gpus, _, elapsed, outcome = (np.array(column) for column in zip(*specs, strict=True))
    start = np.array([NOT_STARTED if s[4] is None else s[4] for s in specs], dtype=np.int64)
    never = start == NOT_STARTED
    # Never-started jobs were submitted shortly before the dump that lists them.
    unstarted_submit = np.where(outcome == "PENDING", dumps.b_at - 5 * HOUR, p0 + 2 * DAY + 3 * HOUR)
    submit = np.where(never, unstarted_submit, start - 7 * MINUTE)
    # The requeued attempt and its final run share one submission.
    submit = np.where(tag == REQUEUED_FINAL, submit[tag == REQUEUED][0], submit)
    return _draft(
        rng,
        world,
        kind=kind,
        account=account,
        submit=submit.astype(np.int64),
        start=start,
        elapsed=elapsed.astype(np.int64),
        outcome=outcome,
        gpus_per_node=gpus.astype(np.int64),
        nodes=np.ones(n, dtype=np.int64),
        tag=tag,
        array_group=np.full(n, -1),
        array_task=np.zeros(n, dtype=np.int64),
    )


def _lifecycle(draft: dict[str, np.ndarray], dumps: Dumps) -> dict[str, np.ndarray]:
    """State, End and dump membership from what happened by the time each dump was taken."""
    outcome, start, elapsed = draft["outcome"], draft["start"], draft["elapsed"]
    started = ~np.isin(outcome, ["UNSTARTED", "PENDING"])
    running = started & (start + elapsed > dumps.b_at)
    elapsed = np.where(running, dumps.b_at - start, np.where(started, elapsed, 0))
    cancelled_at = draft["submit"] + 10 * MINUTE
    end = np.where(running | (outcome == "PENDING"), NO_END, np.where(started, start + elapsed, cancelled_at))
    cancelled = np.char.add("CANCELLED by ", draft["uid"].astype(str))
    state = np.where(
        running, "RUNNING", np.where(np.isin(outcome, ["CANCELLED", "UNSTARTED"]), cancelled, outcome)
    )
    finished = end != NO_END
    return {
        "start": np.where(started, start, NOT_STARTED),
        "elapsed": elapsed,
        "end": end,
        "state": state,
        "in_a": finished & (end <= dumps.a_at),
        "in_b": ~finished | (end > dumps.a_at - dumps.overlap),
    }


def _job_id_base(period: str, scale: float) -> int:
    """The first job id of a month: ids keep increasing from month to month (one controller),
    with room for every job the month submits at this scale."""
    year, month = (int(part) for part in period.split("-"))
    anchor_year, anchor_month = (int(part) for part in FIRST_JOB_ID_PERIOD.split("-"))
    months = (year - anchor_year) * 12 + month - anchor_month
    base = FIRST_JOB_ID + months * JOB_IDS_PER_MONTH * math.ceil(scale)
    if base < 1:
        raise ValueError(f"{period}: job ids at scale {scale} would start below 1")
    return base


def submitted_jobs(
    world: World, clock: LocalClock, rng: np.random.Generator, scale: float, price_changes: list[int]
) -> dict[str, np.ndarray]:
    """The jobs submitted for the month (before any dump saw them), with their job ids.

    `price_changes` are instants where customer prices change version.
    """
    dumps = dumps_for(world.start, world.end)
    parts = [
        _random_jobs(rng, world, clock, scaled(260, scale)),
        _array_jobs(rng, world, clock, scaled(4, scale)),
        _scenario_jobs(rng, world, clock, dumps, price_changes),
    ]
    draft: dict[str, Any] = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    # Job ids follow submission order; array tasks are `<first task's id>_<task>`.
    order = np.lexsort((draft["array_task"], draft["array_group"], draft["submit"]))
    draft = {key: values[order] for key, values in draft.items()}
    raw = _job_id_base(world.period, scale) + np.arange(len(order), dtype=np.int64)
    group = draft["array_group"]
    master = raw.copy()
    for g in np.unique(group[group >= 0]):
        members = np.flatnonzero(group == g)
        master[members] = raw[members[0]]
    job_id = np.where(
        group >= 0,
        np.char.add(np.char.add(master.astype(str), "_"), draft["array_task"].astype(str)),
        raw.astype(str),
    )
    # sacct -D lists a requeued job's attempts under one id.
    attempt, final = (
        np.flatnonzero(draft["tag"] == REQUEUED)[0],
        np.flatnonzero(draft["tag"] == REQUEUED_FINAL)[0],
    )
    raw[attempt], job_id[attempt] = raw[final], job_id[final]
    draft["job_id"], draft["job_id_raw"] = job_id, raw
    return draft


def carried_over(previous: dict[str, np.ndarray], start: int) -> dict[str, np.ndarray]:
    """The previous month's jobs still running when this month starts: this month's dumps list
    them too (sacct reports every job that ran in its window), with their final state."""
    started = ~np.isin(previous["outcome"], ["UNSTARTED", "PENDING"])
    keep = started & (previous["start"] < start) & (previous["start"] + previous["elapsed"] > start)
    carried = {key: values[keep] for key, values in previous.items()}
    carried["tag"] = np.full(int(keep.sum()), CARRIED)
    return carried


def simulate_jobs(submitted: dict[str, np.ndarray], carried: dict[str, np.ndarray], world: World) -> Jobs:
    """The jobs the month's two dumps report: its own submissions and the previous month's jobs
    that ran into it."""
    dumps = dumps_for(world.start, world.end)
    draft: dict[str, Any] = {key: np.concatenate([carried[key], submitted[key]]) for key in submitted}
    draft.update(_lifecycle(draft, dumps))
    jobs = Jobs(**{f.name: draft[f.name] for f in fields(Jobs)})
    jobs = replace(jobs, srun_step=jobs.srun_step & jobs.started)
    return jobs.take(np.lexsort((jobs.tag != REQUEUED, jobs.job_id_raw)))
