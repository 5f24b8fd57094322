"""`sacct --parsable2` dumps of the Slurm cluster: job rows followed by their step rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo.clock import DAY, LocalClock
from orchestration.demo.defects import row_defect
from orchestration.demo.policy import SEEDS_DIR
from orchestration.demo.slurm import GARBLED_ELAPSED_RAW, INVALID, LATE, REQUEUED, Jobs
from orchestration.demo.text import Written, ints, join, padded, pick, strings, write_lines
from orchestration.demo.text import clock as clock_text
from orchestration.ingest.layouts import Declarations

COLUMNS = (
    "JobID", "JobIDRaw", "Cluster", "Account", "User", "Partition", "State", "Submit", "Start", "End",
    "Elapsed", "ElapsedRaw", "AllocTRES", "NodeList",
)  # fmt: skip
HEADER = "|".join(COLUMNS)
DUPLICATE = "duplicate_usage"
DEFECT_NOTES = {  # record tag (= reason code) -> (kind, note)
    LATE: ("job_in_previous_period", "ran wholly in the previous month yet is in this month's dump"),
    INVALID: ("garbled_elapsed_raw", f"has ElapsedRaw '{GARBLED_ELAPSED_RAW}'"),
    REQUEUED: ("requeued_job", "was requeued: this REQUEUED attempt is not billed, the final record is"),
}
STEPS = ("", ".batch", ".extern", ".0")  # "" is the job row itself
STEP_OFFSET = 5  # the srun step `.0` starts and ends inside the allocation


def _local(instants: np.ndarray, fallback: np.ndarray, clock: LocalClock, missing: str) -> pa.Array:
    known = instants >= 0
    wall = clock.wall(np.where(known, instants, fallback))
    return pick(known, clock_text(wall, "%Y-%m-%dT%H:%M:%S"), missing)


def _elapsed(seconds: np.ndarray) -> pa.Array:
    """`[D-]HH:MM:SS`."""
    clock = join(
        [padded(seconds % DAY // 3600, 2), padded(seconds % 3600 // 60, 2), padded(seconds % 60, 2)], ":"
    )
    return pick(seconds >= DAY, join([ints(seconds // DAY), "-", clock]), clock)


def _step_state(state: np.ndarray, step: str) -> np.ndarray:
    running = state == "RUNNING"
    if step == ".extern":
        return np.where(running, "RUNNING", "COMPLETED")
    return np.where(np.char.startswith(state, "CANCELLED") | (state == "TIMEOUT"), "CANCELLED", state)


def _rows(jobs: Jobs, step: str, cluster_id: str, clock: LocalClock) -> pa.Array:
    offset = STEP_OFFSET if step == ".0" else 0
    start = np.where(jobs.started, jobs.start + offset, jobs.start)
    finished = jobs.end >= 0
    elapsed = jobs.elapsed - offset * np.where(finished, 2, 1)
    end = np.where(finished, jobs.end - offset, jobs.end)
    gpus = ints(jobs.gpus)
    gres = pick(
        jobs.gpus > 0, join(["gres/gpu:", strings(jobs.gpu_type), "=", gpus, ",gres/gpu=", gpus, ","]), ""
    )
    tres = join(
        [
            "cpu=",
            ints(jobs.cpus),
            ",",
            gres,
            "mem=",
            ints(jobs.mem_value),
            strings(jobs.mem_unit),
            ",node=",
            ints(jobs.nodes),
        ]
    )
    if step in ("", ".extern"):
        tres = join(["billing=", ints(jobs.billing), ",", tres])
    elapsed_raw = ints(elapsed)
    if step == "":
        elapsed_raw = pick(jobs.tag == INVALID, GARBLED_ELAPSED_RAW, elapsed_raw)
    columns = [
        join([strings(jobs.job_id), step]),
        join([ints(jobs.job_id_raw), step]),
        cluster_id,
        strings(jobs.account),
        strings(jobs.user) if step == "" else "",
        strings(jobs.partition) if step == "" else "",
        strings(jobs.state if step == "" else _step_state(jobs.state, step)),
        _local(jobs.submit if step == "" else start, jobs.submit, clock, "None"),
        _local(start, jobs.submit, clock, "None"),
        _local(end, jobs.submit, clock, "Unknown"),
        _elapsed(elapsed),
        elapsed_raw,
        pick(jobs.started, tres, ""),
        pick(jobs.started, strings(jobs.node_list), "None assigned"),
    ]
    return join(columns, "|")


def _dump_lines(lines: pa.Array, cluster_id: str, name: str) -> tuple[pa.Array, str | None]:
    """Render `|`-joined lines in the dump's declared layout (seed `slurm_declared_layouts`).

    A headerless dump is written as `sacct --noheader --parsable --delimiter=<d>` would: the
    declared field list, the declared delimiter and a trailing delimiter on every line.
    """
    layout = Declarations.from_seeds(SEEDS_DIR).slurm_layout(cluster_id, name)
    if layout.has_header:
        return pc.replace_substring(lines, "|", layout.delimiter), layout.delimiter.join(COLUMNS)
    if layout.fields != COLUMNS:
        raise AssertionError(f"{cluster_id} {name}: declared fields {layout.fields} are not {COLUMNS}")
    return join([pc.replace_substring(lines, "|", layout.delimiter), layout.delimiter]), None


def write_sacct(landing: Path, period: str, cluster_id: str, jobs: Jobs, clock: LocalClock) -> Written:
    """Two dumps `_a`/`_b`; jobs finished in their overlap window are repeated verbatim in `_b`.

    Each dump takes the layout its cluster declares for that file name (the demo's `_b` dump is
    headerless with a multi-byte delimiter); source rows count records only, so they do not
    depend on the header.
    """
    has_steps = jobs.started & (jobs.tag != REQUEUED)
    members = {
        "": np.ones(len(jobs), dtype=bool),
        ".batch": has_steps,
        ".extern": has_steps,
        ".0": has_steps & jobs.srun_step,
    }
    lines, record, ordinal = [], [], []
    for k, step in enumerate(STEPS):
        index = np.flatnonzero(members[step])
        lines.append(_rows(jobs.take(index), step, cluster_id, clock))
        record.append(index)
        ordinal.append(np.full(len(index), k))
    record_of, ordinal_of = np.concatenate(record), np.concatenate(ordinal)
    order = np.lexsort((ordinal_of, record_of))
    all_lines = pa.concat_arrays(lines).take(pa.array(order))
    record_of, ordinal_of = record_of[order], ordinal_of[order]

    written = Written()
    job_row: dict[str, tuple[str, np.ndarray]] = {}
    for suffix, in_dump in (("a", jobs.in_a), ("b", jobs.in_b)):
        keep = in_dump[record_of]
        relative = f"scheduler/slurm/{cluster_id}/sacct_{period}_{suffix}.txt"
        lines, header = _dump_lines(all_lines.filter(pa.array(keep)), cluster_id, Path(relative).name)
        written.rows[relative] = write_lines(landing / relative, lines, header)
        rows = np.zeros(len(jobs), dtype=np.int64)
        is_job_row = keep & (ordinal_of == 0)
        rows[record_of[is_job_row]] = np.cumsum(keep)[is_job_row]
        job_row[suffix] = (relative, rows)

    for i in np.flatnonzero(np.isin(jobs.tag, list(DEFECT_NOTES))):
        if jobs.in_a[i] and jobs.in_b[i]:
            raise AssertionError(f"defect job {jobs.job_id[i]} must not sit in the dump overlap")
        relative, rows = job_row["a" if jobs.in_a[i] else "b"]
        kind, note = DEFECT_NOTES[str(jobs.tag[i])]
        written.defects.append(
            row_defect(str(jobs.tag[i]), kind, relative, int(rows[i]), f"JobID {jobs.job_id[i]} {note}")
        )
    relative, rows = job_row["b"]
    for i in np.flatnonzero(jobs.in_a & jobs.in_b):
        note = (
            f"JobID {jobs.job_id[i]} is in both dumps verbatim; the copy in the later dump is the duplicate"
        )
        written.defects.append(row_defect(DUPLICATE, "sacct_dump_overlap", relative, int(rows[i]), note))
    return written
