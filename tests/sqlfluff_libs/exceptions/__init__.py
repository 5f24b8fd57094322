"""dbt's `exceptions` context for the SQL linter's jinja templater: a macro's argument check
that fails stops the templating, as it stops dbt's compile."""


def raise_compiler_error(message: str) -> None:
    # A builtin exception: the linter's worker processes pickle it back to the parent.
    raise ValueError(message)


def warn(message: str) -> str:
    return ""
