"""Server-side bar charts: bars scale to the largest value, and the text alternative names every value."""

from __future__ import annotations

from bot.webapp.charts import bar_chart


def test_bars_scale_to_the_largest_value_and_fit_the_chart() -> None:
    items = [("access", 4), ("deletion", 2), ("correction", 0)]
    for horizontal in (True, False):
        chart = bar_chart("c", "Open", items, horizontal=horizontal, width=400)
        sizes = [bar.width if horizontal else bar.height for bar in chart.bars]
        assert sizes[0] == 2 * sizes[1] and sizes[2] == 0
        for bar in chart.bars:
            assert bar.x >= 0 and bar.x + bar.width <= chart.width and bar.y >= 0 and bar.y + bar.height <= chart.height


def test_the_description_spells_out_every_value_and_an_empty_chart_says_so() -> None:
    chart = bar_chart("c", "Open", [("access", 4), ("deletion", 2)])
    assert chart.description == "access 4; deletion 2"
    assert bar_chart("c", "Open", []).description == "no data"
