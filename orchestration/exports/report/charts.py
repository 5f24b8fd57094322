"""Static SVG charts for the finance report, drawn by pygal without scripts or external files.

pygal gives each chart a random id and stamps it with the day it was drawn; the id is replaced
by a fixed one and the stamp removed, so the same figures always give the same bytes. Bar lengths are floats (geometry only); the exact amounts are printed in
the tables beside each chart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import pygal
from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#888",
    font_family="DejaVu Sans, sans-serif",
    colors=("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#9b2c2c", "#285e61"),
)


def _config(title: str) -> dict[str, object]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no tooltip script: the file must open offline, from a mail attachment
        "disable_xml_declaration": True,
        "width": 760,
        "height": 320,
        "print_values": False,
        "legend_at_bottom": True,
        "explicit_size": True,
    }


# pygal's comment naming its version and the day of drawing, e.g. `<!--Generated with ... on 2026-12-04-->`.
GENERATED_STAMP = re.compile(r"<!--Generated with pygal[^>]*-->")


def _render(chart: pygal.graph.graph.Graph, chart_id: str) -> str:
    chart.uuid = chart_id
    return GENERATED_STAMP.sub("", str(chart.render(is_unicode=True)))


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
) -> str:
    """A bar chart of one or more series over `labels`."""
    kind = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }[(horizontal, stacked)]
    chart = kind(**_config(title))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [None if value is None else float(value) for value in values])
    return _render(chart, chart_id)


def line_chart(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]]
) -> str:
    """A line per series over `labels` (periods)."""
    chart = pygal.Line(**_config(title))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [None if value is None else float(value) for value in values])
    return _render(chart, chart_id)
