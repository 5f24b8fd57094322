"""The simulated month's cast: customers, machines and who owns which subject when.

Subjects (Slurm accounts, Kubernetes namespaces, dedicated machines) are assigned to
customers with effective dates; three of them change hands inside the period, each at the
granularity its source is billed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from orchestration.demo.clock import DAY, HOUR, iso_utc, period_bounds

SLURM_ACCOUNT = "slurm_account"
K8S_NAMESPACE = "k8s_namespace"
MACHINE = "machine"


@dataclass(frozen=True)
class Customer:
    customer_id: str
    customer_name: str
    country_code: str
    currency_code: str
    price_list_id: str
    language_code: str


@dataclass(frozen=True)
class Machine:
    machine_id: str
    site_id: str
    meter_id: str
    billing_mode: str  # dedicated | shared
    kind: str  # a100 | h100 | cpu (Slurm nodes) | server


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    subject_type: str
    subject_id: str
    customer_id: str
    start: int
    end: int | None

    def covers(self, instant: int) -> bool:
        return self.start <= instant and (self.end is None or instant < self.end)


FR, NO, FI, US, ET, ID = "CUST-FR01", "CUST-NO01", "CUST-FI01", "CUST-US01", "CUST-ET01", "CUST-ID01"
CUSTOMERS = (
    Customer(FR, "Atelier Lumière SAS", "FR", "EUR", "standard_eur", "fr"),
    Customer(NO, "Fjordlys Analyse AS", "NO", "NOK", "nordic_nok", "en"),
    Customer(FI, "Revontuli Labs Oy", "FI", "SEK", "standard_eur", "en"),  # invoiced in SEK: FX
    Customer(US, "Redwood Signal Inc.", "US", "USD", "global_usd", "en"),
    Customer(ET, "Abay Language Technologies PLC", "ET", "USD", "global_usd", "en"),
    Customer(ID, "PT Nusantara Vision", "ID", "USD", "global_usd", "en"),
)

SLURM_OWNERS = {
    "abay-nlp": ET,
    "fjordlys-hpc": NO,
    "lumiere-ml": FR,
    "nusa-vision": ID,
    "redwood-ai": US,
    "revontuli-sim": FI,
    "shared-research": FR,
}
NAMESPACE_OWNERS = {
    "abay-ingest": ET,
    "fjordlys-etl": NO,
    "lumiere-web": FR,
    "ml-platform": US,
    "nusa-batch": ID,
    "redwood-serving": US,
    "revontuli-api": FI,
}
UNASSIGNED_ACCOUNT = "orphan-lab"
UNASSIGNED_NAMESPACE = "sandbox-x"

# Subjects changing hands: (subject, new owner, offset from the start of MOVES_PERIOD). A Slurm
# account moves at a non-midnight second, a namespace only at UTC midnight, a machine on the
# hour: the granularity each source is attributed at. The moves happen once, in the demo month,
# so every month's reference files tell one history (the same assignments, whatever month).
MOVES_PERIOD = "2026-10"
ACCOUNT_MOVE = ("shared-research", NO, 11 * DAY + 13 * HOUR)
NAMESPACE_MOVE = ("ml-platform", NO, 19 * DAY)
MACHINE_MOVE_SITE, MACHINE_MOVE_OWNER, MACHINE_MOVE_OFFSET = "hel1", US, 17 * DAY + 6 * HOUR

# site, kind, billing mode, count at scale 1, owners of dedicated machines (round robin)
MACHINE_GROUPS: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("osl1", "a100", "shared", 2, ()),
    ("osl1", "h100", "shared", 2, ()),
    ("osl1", "cpu", "shared", 2, ()),
    ("osl1", "server", "dedicated", 2, (NO, FR)),
    ("hel1", "server", "dedicated", 3, (FI, FI, US)),
    ("add1", "server", "dedicated", 2, (ET,)),
    ("cgk1", "server", "dedicated", 2, (ID,)),
)
METER_PREFIX = {"osl1": "OSL", "hel1": "HEL", "add1": "ADD", "cgk1": "CGK"}


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


@dataclass(frozen=True)
class World:
    period: str
    start: int
    end: int
    customers: tuple[Customer, ...]
    machines: tuple[Machine, ...]
    assignments: tuple[Assignment, ...]

    def customer(self, customer_id: str) -> Customer:
        return next(c for c in self.customers if c.customer_id == customer_id)

    def machines_at(self, site_id: str) -> list[Machine]:
        return [m for m in self.machines if m.site_id == site_id]

    def owner(self, subject_type: str, subject_id: str, instant: int) -> str | None:
        found = [
            a.customer_id
            for a in self.assignments
            if a.subject_type == subject_type and a.subject_id == subject_id and a.covers(instant)
        ]
        return found[0] if len(found) == 1 else None

    def owner_pieces(
        self, subject_type: str, subject_id: str, start: int, end: int
    ) -> list[tuple[int, int, str | None]]:
        """Split `[start, end)` where the subject's owner changes; owner per piece (None = none)."""
        edges = {start, end}
        for a in self.assignments:
            if a.subject_type == subject_type and a.subject_id == subject_id:
                edges.update(e for e in (a.start, a.end) if e is not None and start < e < end)
        return [(a, b, self.owner(subject_type, subject_id, a)) for a, b in pairwise(sorted(edges))]


def _machines(scale: float) -> tuple[list[Machine], dict[str, str]]:
    machines: list[Machine] = []
    owners: dict[str, str] = {}
    meters_per_site: dict[str, int] = {}
    for site_id, kind, mode, count, site_owners in MACHINE_GROUPS:
        label = "srv" if kind == "server" else kind
        for n in range(1, scaled(count, scale) + 1):
            meters_per_site[site_id] = meters_per_site.get(site_id, 0) + 1
            machine = Machine(
                machine_id=f"{site_id}-{label}-{n:02d}",
                site_id=site_id,
                meter_id=f"{METER_PREFIX[site_id]}-M{meters_per_site[site_id]:02d}",
                billing_mode=mode,
                kind=kind,
            )
            machines.append(machine)
            if site_owners:
                owners[machine.machine_id] = site_owners[(n - 1) % len(site_owners)]
    return machines, owners


def _moved_machine(machines: list[Machine]) -> Machine:
    site_servers = [m for m in machines if m.site_id == MACHINE_MOVE_SITE]
    return site_servers[min(1, len(site_servers) - 1)]


def build_world(period: str, scale: float) -> World:
    start, end = period_bounds(period)
    # Standing assignments began well before any generated month (jobs of the previous month too).
    since = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
    machines, machine_owners = _machines(scale)
    moved_at = period_bounds(MOVES_PERIOD)[0]
    moves: dict[tuple[str, str], tuple[str, int]] = {
        (SLURM_ACCOUNT, ACCOUNT_MOVE[0]): (ACCOUNT_MOVE[1], moved_at + ACCOUNT_MOVE[2]),
        (K8S_NAMESPACE, NAMESPACE_MOVE[0]): (NAMESPACE_MOVE[1], moved_at + NAMESPACE_MOVE[2]),
    }
    moved_machine = _moved_machine(machines).machine_id
    moves[(MACHINE, moved_machine)] = (MACHINE_MOVE_OWNER, moved_at + MACHINE_MOVE_OFFSET)

    assignments: list[Assignment] = []
    subjects = (
        [(SLURM_ACCOUNT, s, c) for s, c in SLURM_OWNERS.items()]
        + [(K8S_NAMESPACE, s, c) for s, c in NAMESPACE_OWNERS.items()]
        + [(MACHINE, s, c) for s, c in machine_owners.items()]
    )
    for subject_type, subject_id, owner in subjects:
        move = moves.get((subject_type, subject_id))
        spans = [(owner, since, move[1]), (move[0], move[1], None)] if move else [(owner, since, None)]
        for customer_id, span_start, span_end in spans:
            assignment_id = f"ASG-{len(assignments) + 1:04d}"
            assignments.append(
                Assignment(assignment_id, subject_type, subject_id, customer_id, span_start, span_end)
            )
    return World(period, start, end, CUSTOMERS, tuple(machines), tuple(assignments))


def assignment_row(a: Assignment) -> list[str]:
    return [
        a.assignment_id,
        a.subject_type,
        a.subject_id,
        a.customer_id,
        iso_utc(a.start),
        iso_utc(a.end) if a.end is not None else "",
    ]
