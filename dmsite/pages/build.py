"""Build the site's pages as Markdown from loaded data and computed scores.

This module does not know MkDocs: it returns `Page` objects (a path under
the docs folder and its Markdown), which the MkDocs plugin registers as
generated files and `dmsite generate` writes to a folder.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from ..export import download_links
from ..load.dataset import YearData
from ..model import SYSTEMS, UNIT_TYPES, Rubric, Unit
from ..scoring import Grade, RubricScore, YearScores, score_year
from .charts import category_averages, chart_block, comparison_chart, distribution_chart
from .deductions import DATA_NAME as DEDUCTIONS_DATA
from .deductions import PAGE_NAME as DEDUCTIONS_PAGE
from .explain import entry_numbers, explain_item
from .markdown import display_number, escape_markdown, format_number
from .review import build_review_pages, install_review
from .tables import Em, Fragment, Link, Strong, Struck, TableWriter, file_href, resolve

if TYPE_CHECKING:
    from ..review import ReviewData

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
    # Set by the MkDocs plugin: large tables as HTML blocks whose links are
    # written as MkDocs serves them (see tables.py), and unit pages kept out
    # of the built-in search index, whose reasons the 扣分检索 page finds.
    html_tables: bool = False
    directory_urls: bool = True
    search_exclude_units: bool = False
    # Add the 扣分检索 page; its data file and script are served by the MkDocs plugin.
    deductions_page: bool = False
    # Regions (片区) whose unit pages this build publishes; empty: every unit.
    # Scores and ranks are still computed over every unit of the year.
    regions: tuple[str, ...] = ()

    def publishes(self, unit: Unit) -> bool:
        """Tell whether this build publishes the unit's page (its region is selected, or all are)."""
        return not self.regions or unit.region in self.regions


def _environment(options: SiteOptions) -> jinja2.Environment:
    def finalize(value: Any) -> Any:
        # Every value printed by a template is escaped unless it is Markup,
        # so free text from data files can never inject Markdown or HTML.
        if isinstance(value, Markup):
            return value
        if isinstance(value, Decimal):
            return display_number(value, options.precision)
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
    env.filters["num"] = lambda value: Markup(display_number(value, options.precision))
    env.filters["kind_label"] = lambda kind: RUBRIC_KIND_LABELS.get(kind, kind)
    env.filters["flag_text"] = lambda flag: (f"一票否决（条目 {flag.item}）：{flag.cause}" if flag.kind == "veto"
                                             else f"{flag.cause}（条目 {flag.item}）")
    env.filters["md"] = escape_markdown
    env.filters["excerpt"] = _excerpt
    env.globals["banner"] = options.banner
    # build_pages() fills this with the unit pages of regions this build leaves out.
    unpublished: set[str] = set()
    env.globals["unpublished"] = unpublished

    @jinja2.pass_context
    def link(context: jinja2.runtime.Context, label: str, target: str) -> Markup:
        if unpublished and resolve(context["page_path"], target) in unpublished:
            return escape_markdown(label)
        return _link(label, target)

    env.globals["link"] = link
    tables = TableWriter(options.html_tables, options.directory_urls, options.precision, unpublished)
    env.globals["thead"] = tables.head
    env.globals["tr"] = jinja2.pass_context(lambda context, columns, cells: tables.row(columns, cells,
                                                                                      context["page_path"]))
    env.globals["tend"] = tables.end
    env.globals["cell_link"] = Link
    env.globals["strong"] = Strong
    env.globals["em"] = Em
    env.globals["cat"] = lambda *parts, sep="": Fragment(parts, sep)
    env.globals["crossed"] = lambda value, struck=True: Struck(value) if struck else value
    env.globals["shorten"] = _shorten
    env.globals["br"] = Markup("<br>")
    env.globals["system_columns"] = lambda systems: [(system, "right") for system in systems]
    env.globals["system_totals"] = _system_totals
    env.filters["anchor_id"] = anchor_id
    env.globals["anchor"] = lambda code: Markup(f'<a id="{anchor_id(code)}"></a>')
    # build_pages() replaces this with the links to the other years' pages.
    env.globals["year_links"] = lambda page_path: []
    return env


def _excerpt(text: str, length: int = 48) -> Markup:
    return escape_markdown(_shorten(text, length))


def _system_totals(scores: YearScores, unit_id: str, systems: Sequence[str]) -> list[Any]:
    """Return a unit's total per system for the units index, with ⚑ for a flag and — where no rubric applies."""
    by_system = {score.rubric.system: score for score in scores.by_unit.get(unit_id, [])}
    cells: list[Any] = []
    for system in systems:
        score = by_system.get(system)
        if score is None:
            cells.append("—")
        else:
            cells.append(Fragment((score.total, " ⚑")) if score.flags else score.total)
    return cells


def _shorten(text: str, length: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length] + "…"


def anchor_id(code: str) -> str:
    """Turn an item code such as 1.2.3 into an HTML id such as item-1-2-3."""
    return "item-" + re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")


def _link(label: str, target: str) -> Markup:
    """Return a Markdown link with an escaped label. Targets are built from validated ids only."""
    return Markup(f"[{escape_markdown(label)}]({target})")


def build_pages(years: Sequence[tuple[YearData, YearScores]], options: SiteOptions,
                versions: dict[int, str] | None = None, review: ReviewData | None = None) -> list[Page]:
    """Build every generated page for the given years.

    `versions` maps each year to its data version, shown on unit pages;
    `review` adds row provenance, score history and the notice status.
    """
    env = _environment(options)
    if options.regions:
        env.globals["unpublished"].update(f"{data.year}/units/{unit.id}.md" for data, _ in years
                                          for unit in data.units.values() if not options.publishes(unit))
    install_review(env, review, years, options.precision)
    env.globals["year_links"] = _year_switcher(years)
    history = _history(years)
    pages: list[Page] = []
    for data, scores in years:
        pages.extend(build_year_pages(env, data, scores, options, history, (versions or {}).get(data.year, "")))
        pages.extend(build_review_pages(env, data, review))
    return pages


def _history(years: Sequence[tuple[YearData, YearScores]]) -> dict[str, list[tuple[int, RubricScore]]]:
    """Map each unit id to its scores of every year, oldest first, in system order."""
    history: dict[str, list[tuple[int, RubricScore]]] = defaultdict(list)
    for data, scores in sorted(years, key=lambda pair: pair[0].year):
        for unit_id, unit_scores in scores.by_unit.items():
            ordered = sorted(unit_scores, key=lambda score: SYSTEMS.index(score.rubric.system))
            history[unit_id].extend((data.year, score) for score in ordered)
    return history


def _trend(scores: list[tuple[int, RubricScore]], year: int) -> dict[str, Any] | None:
    """Lay out a unit's totals of earlier years and of `year` by system; None without earlier years.

    Scores are matched by unit id and system, so a unit scored against
    another rubric in an earlier year still shows that year's total.
    """
    shown = [(past, score) for past, score in scores if past <= year]
    years = sorted({past for past, _ in shown})
    if not any(past < year for past in years):
        return None
    rows = []
    for system in SYSTEMS:
        by_year = {past: score for past, score in shown if score.rubric.system == system}
        if by_year:
            rows.append({"system": system, "cells": [by_year.get(past) for past in years]})
    return {"years": years, "rows": rows}


def _year_switcher(years: Sequence[tuple[YearData, YearScores]]) -> Any:
    """Return a template function listing, for a page, the same page in the other years.

    A page that does not exist in another year (a unit or rubric of one year
    only) links to that year's overview instead.
    """
    available: dict[int, set[str]] = {}
    for data, _ in years:
        paths = {f"{data.year}/index.md", f"{data.year}/units/index.md", f"{data.year}/rubrics/index.md",
                 f"{data.year}/rankings/index.md"}
        paths |= {f"{data.year}/units/{unit_id}.md" for unit_id in data.units}
        paths |= {f"{data.year}/rubrics/{rubric_id}.md" for rubric_id in data.rubrics}
        paths |= {f"{data.year}/rankings/{rubric_id}.md" for rubric_id in data.rubrics}
        available[data.year] = paths

    def links(page_path: str) -> list[tuple[int, str | None]]:
        if len(available) < 2:
            return []
        current, _, rest = page_path.partition("/")
        result: list[tuple[int, str | None]] = []
        for year in sorted(available, reverse=True):
            if str(year) == current:
                result.append((year, None))
                continue
            target = f"{year}/{rest}"
            if target not in available[year]:
                target = f"{year}/index.md"
            result.append((year, posixpath.relpath(target, posixpath.dirname(page_path))))
        return result

    return links


def score_data(data: YearData, options: SiteOptions) -> YearScores:
    return score_year(_ordered_rubrics(data), data.units.values(), data.entries, data.measures,
                      options.grades, options.excellence)


def build_year_pages(env: jinja2.Environment, data: YearData, scores: YearScores, options: SiteOptions,
                     history: dict[str, list[tuple[int, RubricScore]]] | None = None,
                     version: str = "") -> list[Page]:
    year = data.year
    rubrics = _ordered_rubrics(data)
    pages: list[Page] = []

    summaries = [_rubric_summary(rubric, scores.by_rubric.get(rubric.id, [])) for rubric in rubrics]
    summaries_by_id = {summary["rubric"].id: summary for summary in summaries}
    for summary in summaries:
        for group in summary["groups"]:
            title = f"{year} 年度{summary['rubric'].system}（{group['type']}）得分分布"
            chart = distribution_chart(title, summary["rubric"].total, group["scores"])
            group["distribution"] = chart
            group["chart"] = chart_block(chart, title + "，数据见下表")
    type_counts = Counter(unit.type for unit in data.units.values())
    pages.append(_render(env, "year.md.j2", f"{year}/index.md", f"{year} 年度考核结果", None,
                         year=year, summaries=summaries, unit_types=UNIT_TYPES, type_counts=type_counts,
                         unit_count=len(data.units), downloads=download_links(year)))

    units = sorted(data.units.values(), key=lambda unit: (UNIT_TYPES.index(unit.type), unit.id))
    units = [unit for unit in units if options.publishes(unit)]
    published = {unit.id for unit in units}
    pages.append(_render(env, "units.md.j2", f"{year}/units/index.md", f"{year} 年度单位一览", None,
                         year=year, units=units, scores=scores, systems=SYSTEMS, unit_types=UNIT_TYPES))
    # Averages by rubric and unit type, computed once: per unit they would make the build quadratic.
    peer_averages: dict[tuple[str, str], dict[str, Decimal]] = {}
    for unit in units:
        unit_scores = scores.by_unit.get(unit.id, [])
        sections = [_unit_section(score, options) for score in unit_scores]
        for section in sections:
            score = section["score"]
            title = f"{unit.name} {year} 年度{score.rubric.system}各类别得分与{unit.type}平均"
            peers = scores.by_rubric.get(score.rubric.id, [])
            key = (score.rubric.id, unit.type)
            if key not in peer_averages:
                peer_averages[key] = category_averages(score, peers)
            averages = peer_averages[key]
            section["comparison"] = [
                {"category": category, "node": score.nodes[category.code], "average": averages[category.code]}
                for category in score.rubric.categories]
            section["peers"] = summaries_by_id[score.rubric.id]["type_counts"][unit.type]
            chart = comparison_chart(title, score, peers, averages, section["peers"])
            section["chart"] = chart_block(chart, title + "，数据见下表")
        source = data.ledger_files[0] if data.ledger_files else None
        # mkdocs-material's search plugin skips pages whose front matter sets search.exclude.
        meta = {"search": {"exclude": True}} if options.search_exclude_units else None
        page = _render(env, "unit.md.j2", f"{year}/units/{unit.id}.md", unit.name, source, meta,
                       year=year, unit=unit, sections=sections, version=version,
                       trend=_trend((history or {}).get(unit.id, []), year))
        pages.append(page)

    if options.deductions_page:
        published_rows = sum(len(item_score.entries) for unit in units for score in scores.by_unit.get(unit.id, [])
                             for item_score in score.items.values())
        pages.append(_render(env, "deductions.md.j2", f"{year}/{DEDUCTIONS_PAGE}", f"{year} 年度扣分与加分检索",
                             None, year=year, row_count=published_rows,
                             data_href=Markup(escape(file_href(f"{year}/{DEDUCTIONS_PAGE}", f"{year}/{DEDUCTIONS_DATA}",
                                                               options.directory_urls))),
                             regions=options.regions))

    pages.append(_render(env, "rubrics.md.j2", f"{year}/rubrics/index.md", f"{year} 年度评分细则", None,
                         year=year, summaries=summaries))
    for rubric in rubrics:
        pages.append(_render(env, "rubric.md.j2", f"{year}/rubrics/{rubric.id}.md", rubric.title,
                             data.rubric_files[rubric.id], year=year, rubric=rubric,
                             units=sorted((unit for unit in data.units_for(rubric) if unit.id in published),
                                          key=lambda unit: unit.id),
                             notes_by_target=_notes_by_target(rubric)))

    pages.append(_render(env, "rankings.md.j2", f"{year}/rankings/index.md", f"{year} 年度排名", None,
                         year=year, summaries=summaries, grades=options.grades))
    for summary in summaries:
        if options.regions:
            # A part lists its own units; their ranks stay those among all units of the year.
            groups = [{**group, "scores": [score for score in group["scores"] if score.unit.id in published]}
                      for group in summary["groups"]]
            summary = {**summary, "groups": groups}
        pages.append(_render(env, "ranking.md.j2", f"{year}/rankings/{summary['rubric'].id}.md",
                             f"排名：{summary['rubric'].title}", None, year=year, summary=summary,
                             grades=options.grades, excellence=options.excellence))
    return pages


def _render(env: jinja2.Environment, template: str, path: str, title: str, source: str | None,
            meta: dict[str, Any] | None = None, **context: Any) -> Page:
    markdown = env.get_template(template).render(title=title, page_path=path, **context)
    return Page(path, title, front_matter(path, title, meta) + markdown, source)


def front_matter(path: str, title: str, meta: dict[str, Any] | None = None) -> str:
    """Return a page's YAML front matter: a safe title, and no empty sidebar on detail pages.

    Themes print the page title into <title> without escaping it, and Jinja's
    striptags would turn an escaped "&lt;script&gt;" back into a tag, so the
    title is given here with <, > and & replaced by their full-width forms.
    """
    fields: dict[str, Any] = {"title": _safe_title(title)}
    if not path.endswith("index.md"):
        # Detail pages are not in the navigation, so its sidebar would be empty.
        fields["hide"] = ["navigation"]
    fields.update(meta or {})
    # JSON is valid YAML, and json.dumps quotes every string safely.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _safe_title(title: str) -> str:
    cleaned = "".join(char for char in title if char.isprintable())
    return cleaned.replace("&", "＆").replace("<", "＜").replace(">", "＞")


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
    return {"rubric": rubric, "groups": groups, "count": len(scores),
            "type_counts": Counter(score.unit.type for score in scores)}


def _notes_by_target(rubric: Rubric) -> dict[str, list]:
    result: dict[str, list] = {}
    for note in rubric.notes:
        result.setdefault(note.target, []).append(note)
    return result


def _unit_section(score: RubricScore, options: SiteOptions) -> dict[str, Any]:
    numbers = entry_numbers(score)
    noted = {note.target for note in score.rubric.notes}
    rows = []
    for category in score.rubric.categories:
        rows.append({"level": "category", "code": category.code, "name": category.name,
                     "node": score.nodes[category.code]})
        for indicator in category.indicators:
            rows.append({"level": "indicator", "code": indicator.code, "name": indicator.name,
                         "node": score.nodes[indicator.code]})
            for item in indicator.items:
                item_score = score.items[item.code]
                working = explain_item(item_score, numbers, options.precision)
                if item.code in noted:
                    working.append("原表此处有歧义，计分按评分表“说明”中的解读。")
                rows.append({"level": "item", "code": item.code, "item": item, "score": item_score,
                             "working": working})
    entries = []
    for item_score in score.items.values():
        for counted in item_score.entries:
            entries.append({"number": numbers[(counted.entry.path, counted.entry.line)],
                            "counted": counted, "item": item_score.item})
    adjustments = [row for row in rows if row["level"] == "item" and row["item"].kind in ("penalty", "self_check")]
    return {"score": score, "rows": rows, "entries": entries, "adjustments": adjustments,
            "groups": [group for group in score.groups if group.earned],
            "numbers": {f"{path}:{line}": number for (path, line), number in numbers.items()}}
