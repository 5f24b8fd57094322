"""SQL that Python runs lives in `.sql` files in a `sql/` folder beside the module that runs it.

There it is read, linted and diffed like the dbt models; the module loads it by name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def sql_file(module_file: str, name: str) -> str:
    """The text of `sql/<name>.sql` beside `module_file` (pass `__file__`)."""
    return (Path(module_file).parent / "sql" / f"{name}.sql").read_text(encoding="utf-8")
