"""Chart data for ranking and unit pages, embedded in the page as JSON.

The browser draws the charts with the vendored Apache ECharts file and
assets/charts.js. Every number a chart shows is also in a table next to it,
so no fact depends on the chart, its colours or JavaScript. Numbers are JSON
strings of exact decimals, as in `dmsite score --format json`.
"""

from __future__ import annotations

import json
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from markupsafe import Markup, escape

from ..scoring import RubricScore

__all__ = ["category_averages", "chart_block", "comparison_chart", "distribution_chart"]

# Number of score bands a distribution spans from zero to the rubric's total.
_BANDS = 20
_AVERAGE_PLACES = Decimal("0.01")
# Characters that could end the <script> element or confuse an HTML parser,
# written as JSON escapes; JSON.parse() reads them back unchanged.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def distribution_chart(title: str, total: Decimal, scores: list[RubricScore]) -> dict[str, Any]:
    """Count the totals of one unit type in bands of a twentieth of the rubric's total.

    Bands are [low, high), except that the top band also contains the full total.
    Only the bands from the lowest to the highest score are listed.
    """
    width = total / _BANDS if total > 0 else Decimal(1)
    indexes = [min(int((score.total / width).to_integral_value(ROUND_FLOOR)), _BANDS - 1) for score in scores]
    bands = []
    for index in range(min(indexes, default=0), max(indexes, default=-1) + 1):
        low, high = width * index, width * (index + 1)
        members = [score for score, found in zip(scores, indexes) if found == index]
        upper = "≤" if index == _BANDS - 1 else "<"
        bands.append({
            "label": f"{_plain(low)}–{_plain(high)}",
            "low": _plain(low),
            "high": _plain(high),
            "interval": f"{_plain(low)} ≤ 得分 {upper} {_plain(high)}",
            "count": len(members),
            "units": [score.unit.name for score in members],
        })
    return {
        "kind": "distribution",
        "title": title,
        "x_name": "得分段",
        "y_name": "单位数",
        "bands": bands,
        "units": [{"id": score.unit.id, "name": score.unit.name, "total": _plain(score.total)} for score in scores],
    }


def category_averages(score: RubricScore, peers: list[RubricScore]) -> dict[str, Decimal]:
    """Return the exact average score of each category over the units of `score`'s type in `peers`."""
    same_type = [peer for peer in peers if peer.unit.type == score.unit.type]
    averages: dict[str, Decimal] = {}
    for category in score.rubric.categories:
        values = [peer.nodes[category.code].score for peer in same_type]
        averages[category.code] = sum(values, Decimal(0)) / len(values) if values else Decimal(0)
    return averages


def comparison_chart(title: str, score: RubricScore, peers: list[RubricScore],
                     averages: dict[str, Decimal] | None = None, peer_count: int | None = None) -> dict[str, Any]:
    """Compare one unit's category scores with the average of its unit type (itself included).

    Averages are rounded half up to two places. A caller drawing a chart for
    every unit passes `averages` (from `category_averages`) and `peer_count`,
    computed once per rubric and unit type, instead of a pass over `peers` each time.
    """
    if averages is None:
        averages = category_averages(score, peers)
    if peer_count is None:
        peer_count = sum(1 for peer in peers if peer.unit.type == score.unit.type)
    categories = []
    for category in score.rubric.categories:
        average = averages[category.code]
        categories.append({
            "code": category.code,
            "name": category.name,
            "max": _plain(score.nodes[category.code].max),
            "score": _plain(score.nodes[category.code].score),
            "average": _plain(average.quantize(_AVERAGE_PLACES, ROUND_HALF_UP)),
        })
    return {
        "kind": "comparison",
        "title": title,
        "unit": score.unit.id,
        "unit_type": score.unit.type,
        "rubric": score.rubric.id,
        "total": _plain(score.total),
        "peers": peer_count,
        "series": [f"本单位（{score.unit.name}）", f"{score.unit.type}平均（{peer_count} 个单位）"],
        "categories": categories,
    }


def chart_block(data: dict[str, Any], label: str) -> Markup:
    """Return the HTML block of one chart: a labelled container holding its data as JSON.

    The JSON is escaped so that no value can close the <script> element.
    """
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, replacement in _SCRIPT_ESCAPES.items():
        payload = payload.replace(char, replacement)
    return Markup(f'<div class="dmsite-chart" role="img" aria-label="{escape(label)}">'
                  f'<script type="application/json">{payload}</script></div>')
