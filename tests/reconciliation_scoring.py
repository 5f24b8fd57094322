"""Scores the exception queue against the generator's injected defects, per reason code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def explains(defect: Mapping[str, Any], exception: Mapping[str, Any]) -> bool:
    """The exception has the defect's reason code and every column the defect names."""
    return exception["reason_code"] == defect["reason_code"] and all(
        str(exception.get(key)) == str(value) for key, value in defect["match"].items()
    )


@dataclass(frozen=True)
class ClassScore:
    reason_code: str
    injected: int
    found: int
    raised: int
    explained: int

    @property
    def recall(self) -> float:
        return self.found / self.injected if self.injected else 1.0

    @property
    def precision(self) -> float:
        return self.explained / self.raised if self.raised else 1.0


def score(defects: Iterable[Mapping[str, Any]], exceptions: Iterable[Mapping[str, Any]]) -> list[ClassScore]:
    """Per reason code: injected defects found (recall) and raised exceptions explained (precision)."""
    defects, exceptions = list(defects), list(exceptions)
    codes = sorted({d["reason_code"] for d in defects} | {e["reason_code"] for e in exceptions})
    table = []
    for code in codes:
        mine = [d for d in defects if d["reason_code"] == code]
        raised = [e for e in exceptions if e["reason_code"] == code]
        table.append(
            ClassScore(
                code,
                injected=len(mine),
                found=sum(any(explains(d, e) for e in raised) for d in mine),
                raised=len(raised),
                explained=sum(any(explains(d, e) for d in mine) for e in raised),
            )
        )
    return table


def render(table: list[ClassScore]) -> str:
    header = ("reason_code", "injected", "found", "raised", "explained", "recall", "precision")
    lines = [f"{header[0]:<20} " + " ".join(f"{h:>9}" for h in header[1:])]
    for row in table:
        lines.append(
            f"{row.reason_code:<20} {row.injected:>9} {row.found:>9} {row.raised:>9} {row.explained:>9} "
            f"{row.recall:>9.0%} {row.precision:>9.0%}"
        )
    return "\n".join(lines)
