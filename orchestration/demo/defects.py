"""The injected defects: what the pipeline must raise, and how to recognise each exception.

A defect is found when `marts.fct_billing_exceptions` has a row with its `reason_code` whose
columns equal every key/value of `match` (contract section 7).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Defect:
    reason_code: str
    kind: str
    note: str
    match: dict[str, Any] = field(default_factory=dict)
    source_file: str | None = None
    source_row: int | None = None


def row_defect(reason_code: str, kind: str, source_file: str, source_row: int, note: str) -> Defect:
    """A defect that is one landing row, recognised by that row."""
    return Defect(
        reason_code,
        kind,
        note,
        match={"source_file": source_file, "source_row": source_row},
        source_file=source_file,
        source_row=source_row,
    )


def subject_defect(reason_code: str, kind: str, subject_type: str, subject_id: str, note: str) -> Defect:
    """A defect about a subject (account, namespace, meter) rather than a single row."""
    return Defect(reason_code, kind, note, match={"subject_type": subject_type, "subject_id": subject_id})


def defect_records(
    period: str, defects: Iterable[Defect], reason_codes: frozenset[str]
) -> list[dict[str, Any]]:
    ordered = sorted(
        defects,
        key=lambda d: (
            d.reason_code,
            d.source_file or "",
            d.source_row or 0,
            json.dumps(d.match, sort_keys=True),
        ),
    )
    unknown = {d.reason_code for d in ordered} - reason_codes
    if unknown:
        raise ValueError(f"reason codes not in seeds/reconciliation/reason_codes.csv: {sorted(unknown)}")
    return [
        {
            "defect_id": f"DEF-{period}-{n:03d}",
            "kind": d.kind,
            "reason_code": d.reason_code,
            "source_file": d.source_file,
            "source_row": d.source_row,
            "match": d.match,
            "note": d.note,
        }
        for n, d in enumerate(ordered, start=1)
    ]


def write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
