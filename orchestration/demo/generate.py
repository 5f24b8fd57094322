"""Write one simulated billing month: every landing source, and its truth.

Deterministic: each source draws from its own generator seeded by (seed, source name), all
outputs are sorted, and nothing depends on the wall clock, so equal arguments give
byte-identical files.
"""

from __future__ import annotations

import shutil
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from orchestration.demo.clock import DAY, LocalClock, previous_period
from orchestration.demo.defects import Defect, defect_records, subject_defect, write_json
from orchestration.demo.fx import daily_rates, write_fx_rates
from orchestration.demo.k8s import simulate_allocations
from orchestration.demo.meters import simulate_site
from orchestration.demo.policy import Policy, load_policy
from orchestration.demo.slurm import carried_over, simulate_jobs, submitted_jobs
from orchestration.demo.text import Written
from orchestration.demo.truth import expected_invoices
from orchestration.demo.vendor_defects import colo_power_rounding, write_vendor_corrections
from orchestration.demo.world import UNASSIGNED_ACCOUNT, UNASSIGNED_NAMESPACE, World, build_world
from orchestration.demo.writers_aws import VENDOR_ID as AWS_VENDOR
from orchestration.demo.writers_aws import write_aws_cur
from orchestration.demo.writers_azure import VENDOR_ID as AZURE_VENDOR
from orchestration.demo.writers_azure import write_azure_cost_details
from orchestration.demo.writers_colo import write_colo_invoices
from orchestration.demo.writers_energy import write_site
from orchestration.demo.writers_focus import VENDOR_ID as FOCUS_VENDOR
from orchestration.demo.writers_focus import write_focus
from orchestration.demo.writers_gcp import VENDOR_ID as GCP_VENDOR
from orchestration.demo.writers_gcp import write_gcp_billing
from orchestration.demo.writers_opencost import write_allocations
from orchestration.demo.writers_reference import write_reference
from orchestration.demo.writers_slurm import write_sacct

SLURM_CLUSTER = "fjord-gpu"
OPENCOST_CLUSTER = "nimbus-k8s"
USAGE_KINDS = ("slurm", "opencost", "energy")


def _rng(seed: int, source: str) -> np.random.Generator:
    # One stream per source: changing how one source is drawn leaves the others unchanged.
    return np.random.default_rng([seed, zlib.crc32(source.encode())])


def _owned_folders(policy: Policy) -> list[str]:
    return [
        f"scheduler/slurm/{SLURM_CLUSTER}",
        f"scheduler/opencost/{OPENCOST_CLUSTER}",
        f"vendor_billing/focus/{FOCUS_VENDOR}",
        f"vendor_billing/aws_cur/{AWS_VENDOR}",
        f"vendor_billing/azure/{AZURE_VENDOR}",
        f"vendor_billing/gcp/{GCP_VENDOR}",
        *(f"vendor_billing/colo/{vendor_id}" for vendor_id in sorted(policy.colo_layouts)),
        *(f"energy/{site_id}" for site_id in sorted(policy.energy_sites)),
    ]


def _clear(out_dir: Path, period: str, policy: Policy) -> None:
    """Remove this generator's files for the period (a re-run at another scale writes fewer)."""
    for folder in _owned_folders(policy):
        for path in (out_dir / "landing" / folder).glob(f"*_{period}*"):
            path.unlink()
    shutil.rmtree(out_dir / "truth" / period, ignore_errors=True)


def _source_kind(relative: str) -> str:
    parts = relative.split("/")
    return parts[1] if parts[0] in ("scheduler", "vendor_billing") else parts[0]


def _unattributed() -> list[Defect]:
    """Subjects with usage but no assignment: recognised by subject, their rows span files."""
    return [
        subject_defect(
            "unattributed_usage",
            "unassigned_slurm_account",
            "slurm_account",
            UNASSIGNED_ACCOUNT,
            f"Slurm account {UNASSIGNED_ACCOUNT} has no customer assignment",
        ),
        subject_defect(
            "unattributed_usage",
            "unassigned_namespace",
            "k8s_namespace",
            UNASSIGNED_NAMESPACE,
            f"namespace {UNASSIGNED_NAMESPACE} has no customer assignment",
        ),
    ]


def _slurm_clock(world: World, policy: Policy) -> LocalClock:
    # from the previous month's jobs still running at the start to the next month's dump
    return LocalClock(policy.cluster_timezones[SLURM_CLUSTER], world.start - 40 * DAY, world.end + 10 * DAY)


def _submitted_jobs(world: World, policy: Policy, seed: int, scale: float) -> dict[str, np.ndarray]:
    price_changes = policy.customer_price_changes(world.start, world.end)
    return submitted_jobs(world, _slurm_clock(world, policy), _rng(seed, "slurm"), scale, price_changes)


def generate_demo(
    out_dir: Path,
    period: str = "2026-10",
    seed: int = 7,
    scale: float = 1.0,
    write_truth: bool = True,
    vendor_defects: bool = True,
) -> dict[str, Any]:
    """Write `out_dir/landing/...` and (optionally) `out_dir/truth/<period>/`; return a summary.

    `vendor_defects=False` writes clean vendor bills (no vendor defect, no cost burst): a month
    whose reconciliation must raise no vendor or anomaly exception.
    """
    out_dir = Path(out_dir)
    landing = out_dir / "landing"
    policy = load_policy()
    world = build_world(period, scale)
    _clear(out_dir, period, policy)

    written = write_reference(landing, world)
    written.add(Written(rows=write_fx_rates(landing, period, daily_rates(world.start, world.end))))

    # The previous month is simulated again (same seed, same draws) for its jobs that run into
    # this one, so consecutive months generated one after another tell one history.
    previous_world = build_world(previous_period(period), scale)
    previous = _submitted_jobs(previous_world, policy, seed, scale)
    jobs = simulate_jobs(
        _submitted_jobs(world, policy, seed, scale), carried_over(previous, world.start), world
    )
    slurm_clock = _slurm_clock(world, policy)
    written.add(write_sacct(landing, period, SLURM_CLUSTER, jobs, slurm_clock))

    allocations = simulate_allocations(world, _rng(seed, "opencost"), scale)
    written.add(write_allocations(landing, period, OPENCOST_CLUSTER, allocations))

    sites = [
        simulate_site(
            _rng(seed, f"energy/{site_id}"), site, tuple(world.machines_at(site_id)), world.start, world.end
        )
        for site_id, site in sorted(policy.energy_sites.items())
    ]
    for readings in sites:
        written.add(write_site(readings, landing, period))
        written.defects.extend(readings.defects)

    written.add(write_focus(landing, period, world.start, world.end, policy, defects_on=vendor_defects))
    written.add(write_aws_cur(landing, period, world.start, world.end, policy))
    written.add(write_azure_cost_details(landing, period, world.start, world.end, policy))
    written.add(write_gcp_billing(landing, period, world.start, world.end, policy, defects_on=vendor_defects))
    written.add(
        write_colo_invoices(landing, period, world.start, world.end, policy, sites, defects_on=vendor_defects)
    )
    written.add(
        write_vendor_corrections(landing, period, world.start, world.end, policy, defects_on=vendor_defects)
    )
    written.defects.extend(colo_power_rounding(policy, sites, world.start, defects_on=vendor_defects))
    written.defects.extend(_unattributed())

    defects = defect_records(period, written.defects, policy.reason_codes)
    if write_truth:
        truth = out_dir / "truth" / period
        write_json(
            truth / "expected_invoices.json", expected_invoices(world, policy, jobs, allocations, sites)
        )
        write_json(truth / "defects.json", defects)

    rows: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for relative, count in written.rows.items():
        rows[_source_kind(relative)] += count
        files[_source_kind(relative)] += 1
    return {
        "period": period,
        "seed": seed,
        "scale": scale,
        "files": dict(sorted(files.items())),
        "rows": dict(sorted(rows.items())),
        "usage_rows": sum(rows[kind] for kind in USAGE_KINDS),
        "defects": len(defects),
        "truth_written": write_truth,
        "vendor_defects": vendor_defects,
    }
