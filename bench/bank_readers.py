"""Bank reader throughput: entries/s per format on one large synthetic file each.

A camt.053 statement and an MT940 statement of N entries (`BENCH_BANK_ENTRIES`, default
20,000) are built by repeating the entry of a real fixture, then read once with the
project's readers. Not part of the tests: run `.venv/bin/python bench/bank_readers.py`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from orchestration.receivables.camt import read_camt
from orchestration.receivables.mt940_reader import read_mt940

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real" / "bank"


def _camt(entries: int) -> str:
    text = (FIXTURES / "camt" / "camt053.v8.xml").read_text()
    entry = re.search(r"<Ntry>.*?</Ntry>", text, flags=re.DOTALL)
    assert entry is not None
    return text.replace(entry.group(0), entry.group(0) * entries)


def _mt940(entries: int) -> str:
    text = (FIXTURES / "mt940" / "jejik_triodos.sta").read_text()
    first = text.index(":61:")
    second = text.index(":61:", first + 1)
    closing = text.index(":62F:")
    return text[:first] + text[first:second] * entries + text[closing:]


def main() -> None:
    entries = int(os.environ.get("BENCH_BANK_ENTRIES", "20000"))
    with tempfile.TemporaryDirectory() as folder:
        for name, build, read in (("camt.053", _camt, read_camt), ("mt940", _mt940, read_mt940)):
            path = Path(folder) / name
            path.write_text(build(entries))
            started = time.perf_counter()
            count = len(read(path).entries)
            seconds = time.perf_counter() - started
            rate = count / seconds
            print(f"{name:10} {count:>8} entries {seconds:8.2f} s {rate:>10,.0f} entries/s", flush=True)


if __name__ == "__main__":
    main()
