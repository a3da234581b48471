"""Bar charts as geometry for server-rendered SVG (no JavaScript, no chart library, no CDN).

The template (``console/_charts.html``) draws what :func:`bar_chart` computes:
one ``<rect>`` per bar, its value as text, and a ``<title>``/``<desc>`` for
screen readers.  Every chart is shown beside a table of the same numbers, which
is the accessible and printable form; the SVG is decoration with a text
alternative.  Colours come from ``console.css`` classes (the CSP allows no
inline styles), and presentation attributes carry only geometry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple

__all__ = ["Bar", "BarChart", "bar_chart"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    #: Where the label and value text go.
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    """``horizontal``: labels on the left, bars to the right (categories); else columns (time series)."""

    id: str
    title: str
    description: str
    width: int
    height: int
    horizontal: bool
    bars: Tuple[Bar, ...]
    maximum: int


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[Tuple[str, int]],
    *,
    horizontal: bool = True,
    width: int = 460,
    row: int = 26,
    height: int = 200,
) -> BarChart:
    """Lay out ``items`` (label, value) as bars scaled to the largest value.

    The description spells every value out (``"access 4, deletion 2"``), so the
    chart reads the same without sight or CSS.
    """
    maximum = max((value for _, value in items), default=0)
    scale_to = max(maximum, 1)
    bars = []
    if horizontal:
        label_w, value_w = 150, 48
        span = width - label_w - value_w
        height = max(row * len(items) + 8, row)
        for i, (label, value) in enumerate(items):
            y = 4 + i * row
            w = span * value / scale_to
            bars.append(
                Bar(
                    label,
                    value,
                    label_w,
                    y + 3,
                    w,
                    row - 8,
                    label_w - 8,
                    y + row / 2 + 4,
                    label_w + w + 6,
                    y + row / 2 + 4,
                )
            )
    else:
        top, bottom = 18, 34
        slot = width / max(len(items), 1)
        span = height - top - bottom
        for i, (label, value) in enumerate(items):
            h = span * value / scale_to
            x = i * slot + slot * 0.15
            bars.append(
                Bar(
                    label,
                    value,
                    x,
                    top + span - h,
                    slot * 0.7,
                    h,
                    x + slot * 0.35,
                    height - bottom + 16,
                    x + slot * 0.35,
                    top + span - h - 4,
                )
            )
    description = "; ".join(f"{label} {value}" for label, value in items) or "no data"
    return BarChart(chart_id, title, description, width, height, horizontal, tuple(bars), maximum)
