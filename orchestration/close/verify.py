"""Tamper evidence for closed periods: `meterline verify` and the guard of ledger commands.

At close, `snapshot.seal` records a hash of every frozen document and line (`ledger.close_fingerprints`)
and chains the close to the previous one (`ledger.close_chain`: each link hashes the previous
link, the close id, the period and its content hash). `verify` recomputes all of it and the
export manifests, and names every difference by period, document and line. Removing or
rewriting a whole close breaks the chain of the next close, or leaves an export manifest
without its close.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.close.focus_costs import focus_cost_problems
from orchestration.close.snapshot import CHAIN_ROOT, FINGERPRINTS_SQL, chain_link, content_sha256
from orchestration.wiring.sql_files import sql_file


class LedgerTamperedError(RuntimeError):
    """A closed period's ledger no longer matches the hashes recorded when it was closed."""


def _fingerprint_differences(con: duckdb.DuckDBPyConnection, close_id: str, period: str) -> list[str]:
    rows = con.execute(
        sql_file(__file__, "fingerprint_differences").format(fingerprints=FINGERPRINTS_SQL),
        {"close_id": close_id, "period": period},
    ).fetchall()
    return [
        f"{period} {number}{f' line {line}' if line else ''}: {change} since the close"
        for number, line, change in rows
    ]


def ledger_problems(con: duckdb.DuckDBPyConnection, period: str | None = None) -> list[str]:
    """Every difference between the closed periods' ledger and the hashes recorded at close."""
    closes = con.execute(
        "select close_id, billing_period, content_sha256 from ledger.closes order by close_id"
    ).fetchall()
    links = {
        row[0]: row[1:]
        for row in con.execute(
            "select close_id, billing_period, previous_chain_sha256, chain_sha256 from ledger.close_chain"
        ).fetchall()
    }
    problems: list[str] = []
    previous = CHAIN_ROOT
    for close_id, close_period, recorded in closes:
        link = links.pop(close_id, None)
        selected = period is None or close_period == period
        if selected:
            actual = content_sha256(con, close_period)
            if actual != recorded:
                problems.append(
                    f"{close_period} ({close_id}): content hash {actual[:12]} differs from the "
                    f"{recorded[:12]} recorded at close"
                )
                problems.extend(_fingerprint_differences(con, close_id, close_period))
        if link is None:
            # A close made before chaining has no link; the chain starts after it.
            continue
        link_period, link_previous, link_hash = link
        if selected and link_previous != previous:
            problems.append(
                f"{close_period} ({close_id}): the previous close's hash does not match "
                "(a close before it was removed or rewritten)"
            )
        elif selected and (
            link_period != close_period or link_hash != chain_link(previous, close_id, close_period, recorded)
        ):
            problems.append(f"{close_period} ({close_id}): the close record differs from its chain link")
        previous = link_hash
    problems.extend(
        f"{link_period} ({close_id}): chained close missing from ledger.closes"
        for close_id, (link_period, _, _) in sorted(links.items())
        if period is None or link_period == period
    )
    problems.extend(focus_cost_problems(con, period))
    return problems


def export_problems(
    con: duckdb.DuckDBPyConnection, exports_dir: Path, period: str | None = None
) -> list[str]:
    """Export folders whose files or manifest no longer match the manifest or the ledger."""
    recorded = dict(con.execute("select billing_period, content_sha256 from ledger.closes").fetchall())
    problems: list[str] = []
    manifests = sorted(exports_dir.glob("*/manifest.json")) if exports_dir.is_dir() else []
    for manifest_path in manifests:
        folder = manifest_path.parent
        # Hidden folders are the versions behind the `exports/<period>` links.
        if folder.name.startswith(".") or (period is not None and folder.name != period):
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if "content_sha256" not in manifest:
            continue
        exported_period = str(manifest["billing_period"])
        if exported_period not in recorded:
            problems.append(f"exports/{folder.name}: exported from a close that is no longer in the ledger")
        elif manifest["content_sha256"] != recorded[exported_period]:
            problems.append(f"exports/{folder.name}: manifest content hash differs from the ledger's close")
        listed = {str(entry["file"]): str(entry["sha256"]) for entry in manifest["files"]}
        present = {
            path.relative_to(folder).as_posix(): path
            for path in folder.rglob("*")
            if path.is_file() and path.name != "manifest.json"
        }
        for name in sorted(listed.keys() | present.keys()):
            if name not in present:
                problems.append(f"exports/{folder.name}/{name}: missing")
            elif name not in listed:
                problems.append(f"exports/{folder.name}/{name}: not in the manifest")
            elif hashlib.sha256(present[name].read_bytes()).hexdigest() != listed[name]:
                problems.append(f"exports/{folder.name}/{name}: edited since export")
    return problems


def unfinished_exports(
    con: duckdb.DuckDBPyConnection, exports_dir: Path, period: str | None = None
) -> list[str]:
    """Closed periods whose exports were never written, or were written before a later approval."""
    rows = con.execute(
        """
        select c.billing_period, max(a.approved_at)
        from ledger.closes as c
        left join ledger.invoices as i on i.billing_period = c.billing_period
        left join ledger.approvals as a on a.invoice_number = i.invoice_number
        group by c.billing_period
        order by c.billing_period
        """
    ).fetchall()
    problems: list[str] = []
    for closed_period, last_approval in rows:
        if period is not None and closed_period != period:
            continue
        manifest = exports_dir / closed_period / "manifest.json"
        finish = f"run `meterline export --period {closed_period}`"
        if not manifest.is_file():
            problems.append(f"exports/{closed_period}: missing for a closed period; {finish}")
        elif last_approval is not None and last_approval > datetime.fromtimestamp(
            manifest.stat().st_mtime, UTC
        ):
            problems.append(f"exports/{closed_period}: older than its last approval; {finish}")
    return problems


def verify(con: duckdb.DuckDBPyConnection, exports_dir: Path, period: str | None = None) -> list[str]:
    return [
        *ledger_problems(con, period),
        *export_problems(con, exports_dir, period),
        *unfinished_exports(con, exports_dir, period),
    ]


def has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has closed anything yet (the ledger is created by the first close)."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'ledger' "
        "and table_name = 'close_chain'"
    ).fetchone()
    return bool(found and found[0])


def _shown(problems: list[str]) -> str:
    return "; ".join(problems[:5]) + (f"; ... {len(problems) - 5} more" if len(problems) > 5 else "")


def refuse_if_tampered(
    con: duckdb.DuckDBPyConnection, exports_dir: Path | None = None, restoring: str | None = None
) -> None:
    """Ledger commands act only on a ledger whose every close still matches its hashes and,
    given the exports folder, only while no exported file was edited since export.

    `restoring` names the period whose exports the command rewrites from the (verified)
    ledger, `meterline export`: the one action that repairs an edited export is not refused by it.
    """
    problems = ledger_problems(con)
    if problems:
        raise LedgerTamperedError(
            f"the ledger no longer matches its closes ({_shown(problems)}); run `meterline verify`"
        )
    edited = [
        problem
        for problem in (export_problems(con, exports_dir) if exports_dir is not None else [])
        if restoring is None or not problem.startswith((f"exports/{restoring}/", f"exports/{restoring}:"))
    ]
    if edited:
        periods = sorted({problem.split("/")[1].split(":")[0] for problem in edited})
        restore = "; ".join(f"`meterline export --period {period}`" for period in periods)
        raise LedgerTamperedError(
            f"exported files no longer match their manifest ({_shown(edited)}); run `meterline verify`, "
            f"keep a copy if it is evidence, then {restore} rewrites them from the ledger"
        )
