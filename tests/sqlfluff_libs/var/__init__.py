"""dbt's `var()` for the SQL linter's jinja templater: the dbt_project.yml defaults, and the
caller's default (None included) for variables the project does not set."""

import sys
import types
from pathlib import Path

import yaml

# The vars the models read at compile time (the declared vendor sources) come from the project
# file itself, so the linter renders the same SQL dbt does; the billing period comes from the run.
_PROJECT_FILE = Path(__file__).resolve().parents[3] / "dbt_project.yml"
PROJECT_VARS = {
    "billing_period": "2026-10",
    **yaml.safe_load(_PROJECT_FILE.read_text(encoding="utf-8")).get("vars", {}),
}


class _Var(types.ModuleType):
    # The templater exposes each library module by name; a callable module is a function.
    def __call__(self, name: str, default: object = None) -> object:
        return PROJECT_VARS.get(name, default)


sys.modules[__name__].__class__ = _Var
