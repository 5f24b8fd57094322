"""dbt's `modules` context (modules.re, modules.datetime) for the SQL linter's jinja templater."""

import datetime
import re

__all__ = ["datetime", "re"]
