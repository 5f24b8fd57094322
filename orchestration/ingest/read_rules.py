"""How each landing folder's text files are read: their encoding and what a ragged row means.

Declared in seeds/sources/landing_read_rules.csv, so a source whose files come in Windows-1252
or with a trailing delimiter is declared by a reviewed seed row, not special-cased in code.
The longest matching folder wins; a file under no declared folder is read as UTF-8 (a UTF-8
or UTF-16 byte-order mark is honoured) and a row whose field count differs from its header
rejects the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")
# pad: a short row is filled with empty fields; ignore_trailing_empty_header: a header ending
# in an empty name (a trailing delimiter on every line) loses that column; reject: the file is
# rejected naming the line.
RAGGED_RULES = ("pad", "ignore_trailing_empty_header", "reject")
# Encodings DuckDB reads as they are (a byte-order mark selects UTF-16 on its own).
NATIVE_ENCODINGS = ("utf-8", "utf-8-sig")
RULES_SEED = "sources/landing_read_rules.csv"


@dataclass(frozen=True)
class ReadRule:
    """The declared reading of one landing folder's files."""

    encoding: str = "utf-8"
    ragged_rows: str = "reject"

    @property
    def needs_transcoding(self) -> bool:
        return self.encoding not in NATIVE_ENCODINGS


class ReadRuleError(ValueError):
    """A seed row declares an encoding or ragged rule the loader does not know."""


def load_read_rules(seeds_dir: Path) -> dict[str, ReadRule]:
    """Folder (landing-relative, no trailing slash) -> its declared rule."""
    path = seeds_dir / RULES_SEED
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rules: dict[str, ReadRule] = {}
    for row in rows:
        rule = ReadRule(row["encoding"].strip().lower(), row["ragged_rows"].strip().lower())
        if rule.encoding not in ENCODINGS or rule.ragged_rows not in RAGGED_RULES:
            raise ReadRuleError(f"{RULES_SEED}: unknown rule for {row['landing_folder']}: {rule}")
        rules[row["landing_folder"].strip().strip("/")] = rule
    return rules


def read_rule_for(rules: dict[str, ReadRule], relative: Path) -> ReadRule:
    """The rule of the longest declared folder containing the file, else the default."""
    folders = PurePosixPath(relative.as_posix()).parents
    return next((rules[str(folder)] for folder in folders if str(folder) in rules), ReadRule())


def transcode(data: bytes, encoding: str) -> bytes:
    """The file's text as UTF-8, decoded with its declared encoding (raises UnicodeDecodeError)."""
    return data.decode(encoding).encode("utf-8")


def decode_problem(data: bytes, encoding: str) -> str | None:
    """Why the bytes are not text in the declared encoding, naming the byte and line."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return f"not {encoding} as declared: invalid byte 0x{data[error.start]:02X} on line {line}"
    return None
