"""Build the site's pages as Markdown from loaded data and computed scores.

This module does not know MkDocs: it returns `Page` objects (a path under
the docs folder and its Markdown), which the MkDocs plugin registers as
generated files and `dmsite generate` writes to a folder.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import jinja2
from markupsafe import Markup

from ..load.dataset import YearData
from ..model import SYSTEMS, UNIT_TYPES, Rubric
from ..scoring import Grade, RubricScore, YearScores, score_year
from .explain import entry_numbers, explain_item
from .markdown import escape_markdown, format_number

__all__ = ["Page", "SiteOptions", "build_pages", "build_year_pages"]

RUBRIC_KIND_LABELS = {
    "deduction": "扣分",
    "award": "加分",
    "tiers": "按测评分档",
    "self_check": "自评自查比对",
    "monthly": "按月计分",
    "penalty": "惩戒分",
}


@dataclasses.dataclass(frozen=True)
class Page:
    """A generated page: its path under the docs folder and its Markdown."""

    path: str
    title: str
    markdown: str
    source: str | None = None


@dataclasses.dataclass(frozen=True)
class SiteOptions:
    """Presentation settings shared by every generated page."""

    precision: int = 1
    banner: str = ""
    grades: tuple[Grade, ...] = ()
    excellence: str = "优秀"


def _environment(options: SiteOptions) -> jinja2.Environment:
    def finalize(value: Any) -> Any:
        # Every value printed by a template is escaped unless it is Markup,
        # so free text from data files can never inject Markdown or HTML.
        if isinstance(value, Markup):
            return value
        if isinstance(value, Decimal):
            return format_number(value, options.precision)
        if value is None:
            return ""
        return escape_markdown(str(value))

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dmsite.pages", "templates"),
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda value: Markup(format_number(value, options.precision))
    env.filters["kind_label"] = lambda kind: RUBRIC_KIND_LABELS.get(kind, kind)
    env.filters["md"] = escape_markdown
    env.filters["excerpt"] = _excerpt
    env.globals["banner"] = options.banner
    env.globals["link"] = _link
    env.filters["anchor_id"] = anchor_id
    env.globals["anchor"] = lambda code: Markup(f'<a id="{anchor_id(code)}"></a>')
    return env


def _excerpt(text: str, length: int = 48) -> Markup:
    flat = " ".join(text.split())
    return escape_markdown(flat if len(flat) <= length else flat[:length] + "…")


def anchor_id(code: str) -> str:
    """Turn an item code such as 1.2.3 into an HTML id such as item-1-2-3."""
    return "item-" + re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")


def _link(label: str, target: str) -> Markup:
    """A Markdown link whose label is escaped; targets are built from validated ids only."""
    return Markup(f"[{escape_markdown(label)}]({target})")


def build_pages(years: Sequence[tuple[YearData, YearScores]], options: SiteOptions) -> list[Page]:
    """Build every generated page for the given years."""
    env = _environment(options)
    pages: list[Page] = []
    for data, scores in years:
        pages.extend(build_year_pages(env, data, scores, options))
    return pages


def score_data(data: YearData, options: SiteOptions) -> YearScores:
    return score_year(_ordered_rubrics(data), data.units.values(), data.entries, data.measures,
                      options.grades, options.excellence)


def build_year_pages(env: jinja2.Environment, data: YearData, scores: YearScores,
                     options: SiteOptions) -> list[Page]:
    year = data.year
    rubrics = _ordered_rubrics(data)
    pages: list[Page] = []

    summaries = [_rubric_summary(rubric, scores.by_rubric.get(rubric.id, [])) for rubric in rubrics]
    type_counts = Counter(unit.type for unit in data.units.values())
    pages.append(_render(env, "year.md.j2", f"{year}/index.md", f"{year} 年度考核结果", None,
                         year=year, summaries=summaries, unit_types=UNIT_TYPES, type_counts=type_counts,
                         unit_count=len(data.units)))

    units = sorted(data.units.values(), key=lambda unit: (UNIT_TYPES.index(unit.type), unit.id))
    pages.append(_render(env, "units.md.j2", f"{year}/units/index.md", f"{year} 年度单位一览", None,
                         year=year, units=units, scores=scores, systems=SYSTEMS, unit_types=UNIT_TYPES))
    for unit in units:
        unit_scores = scores.by_unit.get(unit.id, [])
        sections = [_unit_section(score, options) for score in unit_scores]
        source = data.ledger_files[0] if data.ledger_files else None
        pages.append(_render(env, "unit.md.j2", f"{year}/units/{unit.id}.md", unit.name, source,
                             year=year, unit=unit, sections=sections))

    pages.append(_render(env, "rubrics.md.j2", f"{year}/rubrics/index.md", f"{year} 年度评分细则", None,
                         year=year, summaries=summaries))
    for rubric in rubrics:
        pages.append(_render(env, "rubric.md.j2", f"{year}/rubrics/{rubric.id}.md", rubric.title,
                             data.rubric_files[rubric.id], year=year, rubric=rubric,
                             units=sorted(data.units_for(rubric), key=lambda unit: unit.id),
                             notes_by_target=_notes_by_target(rubric)))

    pages.append(_render(env, "rankings.md.j2", f"{year}/rankings/index.md", f"{year} 年度排名", None,
                         year=year, summaries=summaries, grades=options.grades))
    for summary in summaries:
        pages.append(_render(env, "ranking.md.j2", f"{year}/rankings/{summary['rubric'].id}.md",
                             f"排名：{summary['rubric'].title}", None, year=year, summary=summary,
                             grades=options.grades, excellence=options.excellence))
    return pages


def _render(env: jinja2.Environment, template: str, path: str, title: str, source: str | None,
            **context: Any) -> Page:
    markdown = env.get_template(template).render(title=title, **context)
    return Page(path, title, markdown, source)


def _ordered_rubrics(data: YearData) -> list[Rubric]:
    def key(rubric: Rubric) -> tuple[int, int, str]:
        first_type = min(UNIT_TYPES.index(unit_type) for unit_type in rubric.unit_types)
        return (SYSTEMS.index(rubric.system), first_type, rubric.id)

    return sorted(data.rubrics.values(), key=key)


def _rubric_summary(rubric: Rubric, scores: list[RubricScore]) -> dict[str, Any]:
    by_type: dict[str, list[RubricScore]] = {}
    for score in scores:
        by_type.setdefault(score.unit.type, []).append(score)
    groups = []
    for unit_type in UNIT_TYPES:
        members = by_type.get(unit_type)
        if not members:
            continue
        totals = [score.total for score in members]
        groups.append({
            "type": unit_type,
            "scores": members,
            "count": len(members),
            "top": [score for score in members if score.rank == 1],
            "average": sum(totals, Decimal(0)) / len(totals),
            "lowest": min(totals),
            "highest": max(totals),
        })
    return {"rubric": rubric, "groups": groups, "count": len(scores)}


def _notes_by_target(rubric: Rubric) -> dict[str, list]:
    result: dict[str, list] = {}
    for note in rubric.notes:
        result.setdefault(note.target, []).append(note)
    return result


def _unit_section(score: RubricScore, options: SiteOptions) -> dict[str, Any]:
    numbers = entry_numbers(score)
    rows = []
    for category in score.rubric.categories:
        rows.append({"level": "category", "code": category.code, "name": category.name,
                     "node": score.nodes[category.code]})
        for indicator in category.indicators:
            rows.append({"level": "indicator", "code": indicator.code, "name": indicator.name,
                         "node": score.nodes[indicator.code]})
            for item in indicator.items:
                item_score = score.items[item.code]
                rows.append({"level": "item", "code": item.code, "item": item, "score": item_score,
                             "working": explain_item(item_score, numbers, options.precision)})
    entries = []
    for item_score in score.items.values():
        for counted in item_score.entries:
            entries.append({"number": numbers[(counted.entry.path, counted.entry.line)],
                            "counted": counted, "item": item_score.item})
    adjustments = [row for row in rows if row["level"] == "item" and row["item"].kind in ("penalty", "self_check")]
    return {"score": score, "rows": rows, "entries": entries, "adjustments": adjustments,
            "groups": [group for group in score.groups if group.earned]}
