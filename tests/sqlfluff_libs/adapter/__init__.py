"""dbt's `adapter` context for the SQL linter's jinja templater: `adapter.dispatch` picks DuckDB's
form of a dispatched macro (macros/portability), as dbt does on the warehouse's adapter."""

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context


@pass_context
def dispatch(context: Context, macro_name: str, macro_namespace: str | None = None) -> Callable[..., Any]:
    macro = context.resolve(f"duckdb__{macro_name}")
    if not callable(macro):
        raise ValueError(f"no DuckDB form of the dispatched macro {macro_name}")
    return macro
