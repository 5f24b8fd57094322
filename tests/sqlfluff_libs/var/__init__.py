"""dbt's `var()` for the SQL linter's jinja templater: the dbt_project.yml defaults, and the
caller's default (None included) for variables the project does not set."""

import sys
import types

PROJECT_VARS = {"billing_period": "2026-10"}


class _Var(types.ModuleType):
    # The templater exposes each library module by name; a callable module is a function.
    def __call__(self, name: str, default: object = None) -> object:
        return PROJECT_VARS.get(name, default)


sys.modules[__name__].__class__ = _Var
