"""May a period close? Every Great Expectations gate passes and no blocking exception is open.

The gates are run again at close time through the same suites and gate process as the
monthly job's blocking checks (`orchestration.gates.suites`), on the marts as they are now:
a close never trusts an older run's result for data that may have been rebuilt since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from orchestration.close.ledger import audit, ensure_open, next_id, now
from orchestration.gates.suites import SuiteResult
from orchestration.wiring.periods import has_ended
from orchestration.wiring.sql_files import sql_file
from orchestration.wiring.transaction import transaction


@dataclass
class Readiness:
    period: str
    is_built: bool
    gates: dict[str, tuple[bool, str]] = field(default_factory=dict)
    blocking: list[tuple[str, str, str]] = field(default_factory=list)
    waived: int = 0
    has_ended: bool = True

    @property
    def ready(self) -> bool:
        return (
            self.has_ended
            and self.is_built
            and bool(self.gates)
            and all(ok for ok, _ in self.gates.values())
            and not self.blocking
        )

    def problems(self) -> list[str]:
        lines = []
        if not self.has_ended:
            lines.append(f"{self.period} has not ended yet: its drafts are a preview and it cannot close")
        if not self.is_built:
            lines.append(
                f"the marts hold no draft of {self.period}; run `meterline run --period {self.period}` first"
            )
        lines.extend(
            f"gate {name} failed: {detail}" for name, (ok, detail) in sorted(self.gates.items()) if not ok
        )
        by_reason: dict[str, list[str]] = {}
        for exception_id, reason, _ in self.blocking:
            by_reason.setdefault(reason, []).append(exception_id)
        lines.extend(
            f"{len(ids)} open blocking exception(s) {reason}: {', '.join(ids[:5])}"
            f"{' ...' if len(ids) > 5 else ''} (waive with --waive-reason-code {reason} --by NAME --why TEXT)"
            for reason, ids in sorted(by_reason.items())
        )
        return lines


def marts_hold_period(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    """Whether the marts hold a draft of the period (every customer row of a run carries it)."""
    try:
        row = con.execute(
            "select count(*) from marts.dim_customers where billing_period = ?", [period]
        ).fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def open_blocking_exceptions(con: duckdb.DuckDBPyConnection, period: str) -> list[tuple[str, str, str]]:
    """Open blocking exceptions of the period that carry no waiver in the ledger."""
    return con.execute(sql_file(__file__, "open_blocking_exceptions"), {"period": period}).fetchall()


def gate_outcomes(results: list[SuiteResult]) -> dict[str, tuple[bool, str]]:
    """Each suite's outcome as the readiness check records it: passed, and what failed."""
    return {
        f"gx_{result.suite}": (result.success, "; ".join(o.describe() for o in result.failures))
        for result in results
    }


def assess(con: duckdb.DuckDBPyConnection, period: str, gates: dict[str, tuple[bool, str]]) -> Readiness:
    is_built = marts_hold_period(con, period)
    blocking = open_blocking_exceptions(con, period) if is_built else []
    waived = con.execute("select count(*) from ledger.waivers where billing_period = ?", [period]).fetchone()
    return Readiness(period, is_built, gates, blocking, int(waived[0]) if waived else 0, has_ended(period))


def record_waivers(
    con: duckdb.DuckDBPyConnection, period: str, reason_code: str, by: str, why: str
) -> list[str]:
    """One audited waiver row per open blocking exception of `reason_code`; returns their ids."""
    if not by.strip() or not why.strip():
        raise ValueError("a waiver needs who (--by) and why (--why)")
    ensure_open(con, period)
    pending = [e for e in open_blocking_exceptions(con, period) if e[1] == reason_code]
    waived_at = now()
    # The waivers and their audit row are recorded together or not at all.
    with transaction(con):
        for exception_id, reason, _ in pending:
            con.execute(
                "insert into ledger.waivers values (?, ?, ?, ?, ?, ?, ?)",
                [next_id(con, "waivers", "WVR"), period, exception_id, reason, by, why, waived_at],
            )
        audit(
            con,
            by,
            "waive",
            period,
            reason_code,
            {"why": why, "exception_ids": [e[0] for e in pending]},
        )
    return [e[0] for e in pending]
