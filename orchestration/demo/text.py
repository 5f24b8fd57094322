"""Vectorised text rendering (numpy -> pyarrow strings) and line-file writing.

Large sources (energy readings, allocations, sacct rows) are rendered column-wise with
Arrow compute kernels, never row by row, so millions of rows take seconds.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.demo.defects import Defect

Text: TypeAlias = pa.Array | str


def strings(values: Sequence[str] | np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object), pa.string())


def ints(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(ints(values), width=width, padding="0")


def fixed(scaled: np.ndarray, decimals: int, separator: str = ".") -> pa.Array:
    """Non-negative integers counted in 10^-decimals units -> `123.450` (exact, no floats)."""
    scaled = np.asarray(scaled, dtype=np.int64)
    unit = 10**decimals
    return join([ints(scaled // unit), separator, padded(scaled % unit, decimals)])


def trimmed(scaled: np.ndarray, decimals: int) -> pa.Array:
    """Like `fixed` but as short as exact: `0.250` -> `0.25`, `2.000` -> `2`."""
    return pc.utf8_rtrim(pc.utf8_rtrim(fixed(scaled, decimals), characters="0"), characters=".")


def clock(wall: np.ndarray, pattern: str) -> pa.Array:
    """Render wall-clock epoch seconds with a strftime pattern."""
    return pc.strftime(pa.array(np.asarray(wall, dtype=np.int64), pa.timestamp("s")), format=pattern)


def utc_offsets(offsets: np.ndarray) -> pa.Array:
    """Offset seconds -> `+02:00`."""
    values, index = np.unique(np.asarray(offsets, dtype=np.int64), return_inverse=True)
    labels = [
        f"{'-' if v < 0 else '+'}{abs(int(v)) // 3600:02d}:{abs(int(v)) % 3600 // 60:02d}" for v in values
    ]
    return pc.take(strings(labels), pa.array(index))


def pick(mask: np.ndarray, when_true: Text, when_false: Text) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), when_true, when_false)


def join(parts: Sequence[Text], separator: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, separator)


def write_lines(path: Path, lines: pa.Array, header: str | None = None) -> int:
    """Write one pre-rendered line per element (plus an optional header); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        if header is not None:
            handle.write(f"{header}\n".encode())
        if len(lines):
            # One text column, never quoted: the lines already carry their own delimiters.
            options = pacsv.WriteOptions(include_header=False, quoting_style="none", delimiter="\t")
            pacsv.write_csv(pa.table({"line": lines}), handle, options)
    return len(lines)


def write_csv_rows(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str = ","
) -> int:
    """Small files (reference, invoices) through the csv module, quoting only when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


@dataclass
class Written:
    """What a writer produced: data rows per landing-relative file, and the defects it placed."""

    rows: dict[str, int] = field(default_factory=dict)
    defects: list[Defect] = field(default_factory=list)

    def add(self, other: Written) -> None:
        self.rows.update(other.rows)
        self.defects.extend(other.defects)
