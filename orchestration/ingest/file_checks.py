"""What a landing file is before it is parsed, and why it could not be read.

The fast path never pays for these checks beyond a few bytes: the encoding is taken from the
byte-order mark, and the full diagnosis runs only after DuckDB has refused a file, so the
rejection names the cause (binary, encoding, truncated row, field count) instead of a sniffer
message. The diagnosis stops at the first problem it finds.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from pathlib import Path

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes read to tell text from binary when no byte-order mark says otherwise.
SAMPLE_BYTES = 1 << 16


def outside_landing(path: Path, landing_dir: Path) -> str | None:
    """Why a path under landing must not be read: a symbolic link, or a real path outside it."""
    if path.is_symlink():
        return "a symbolic link (landing accepts only regular files)"
    if not path.resolve().is_relative_to(landing_dir.resolve()):
        return "resolves to a path outside the landing folder"
    return None


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def text_encoding(path: Path) -> str:
    """DuckDB's encoding for a file: UTF-16 when it starts with a UTF-16 byte-order mark.

    A UTF-8 byte-order mark needs nothing: DuckDB skips it.
    """
    try:
        with _open_bytes(path) as handle:
            head = handle.read(2)
    except (OSError, EOFError):
        return "utf-8"
    return "utf-16" if head in UTF16_BOMS else "utf-8"


def has_mixed_line_endings(data: bytes) -> bool:
    crlf = data.count(b"\r\n")
    return 0 < crlf < data.count(b"\n")


# A whole line that is a comment (`# sacct --format=...`), optionally indented.
COMMENT_LINE = re.compile(rb"^[ \t]*#[^\n]*(?:\n|$)", re.MULTILINE)


def has_comment_lines(data: bytes) -> bool:
    return COMMENT_LINE.search(data) is not None


def without_comment_lines(data: bytes) -> bytes:
    """The text with every `#` comment line removed and line endings made LF (one pass each,
    on the whole text; a `#` inside a field is data and stays)."""
    return COMMENT_LINE.sub(b"", data.replace(b"\r\n", b"\n"))


def read_bytes(path: Path) -> bytes:
    with _open_bytes(path) as handle:
        return handle.read()


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def diagnose(path: Path, delimiter: str, has_header: bool, width: int | None = None) -> str | None:
    """The first reason this file cannot be read as delimited text, or None if none is found."""
    try:
        data = read_bytes(path)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        return f"cannot be decompressed or read ({error})"
    if data[:2] in UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            return f"not valid UTF-16 at byte {error.start}"
    else:
        nul = data.find(b"\x00", 0, SAMPLE_BYTES)
        if nul >= 0:
            return f"not a text file (NUL byte at offset {nul})"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            byte = data[error.start]
            return f"not UTF-8: invalid byte 0x{byte:02X} on line {_line_of(data, error.start)}"
    return _field_count_problem(text, delimiter, has_header, width)


def _field_count_problem(text: str, delimiter: str, has_header: bool, width: int | None) -> str | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    expected = width
    try:
        for record in reader:
            if not record:
                continue
            if expected is None:
                expected = len(record)
                if has_header:
                    continue
            if len(record) != expected:
                label = "the header has" if has_header else "the first line has"
                return f"line {reader.line_num} has {len(record)} fields, {label} {expected}"
    except csv.Error as error:
        return f"truncated or malformed row at line {reader.line_num} ({error})"
    if text and not text.endswith(("\n", "\r")) and text.count('"') % 2:
        return f"truncated: unterminated quoted field at line {reader.line_num}"
    return None
