"""Review parts of the pages: row provenance, score timelines, the change log, notice status and objections.

`install_review` adds the template functions that unit pages and the
notice box call; `build_review_pages` renders each year's change log
(changes.md) and objection list (objections.md). Without review data (no
Git history) the functions return what the pages show in its place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from ..gitdata import Commit
from ..load.dataset import YearData
from ..load.objections import OBJECTION_STATUSES
from ..model import Entry
from ..scoring import YearScores
from .markdown import escape_markdown, format_number
from .tables import Either

if TYPE_CHECKING:
    from ..history import Event
    from ..review import ReviewData

__all__ = ["UNAVAILABLE", "build_review_pages", "install_review"]

UNAVAILABLE = "来源信息不可用"
_SUBJECT_LENGTH = 40


def install_review(env: jinja2.Environment, review: ReviewData | None,
                   years: Sequence[tuple[YearData, YearScores]], precision: int) -> None:
    """Add the review template functions to `env`; `review` None means the data has no Git history."""
    systems = {(data.year, rubric.id): rubric.system for data, _ in years for rubric in data.rubrics.values()}
    env.globals["row_source_cell"] = lambda entry: row_source_cell(review, entry)
    env.globals["unit_timeline"] = lambda year, unit: _unit_timeline(review, systems, year, unit)
    env.globals["notice_for"] = lambda year, unit=None: _notice(review, year, unit)
    env.globals["history_state"] = _history_state(review)
    env.filters["signed"] = lambda value: _signed(value, precision)


def _history_state(review: ReviewData | None) -> str:
    """Return ok, disabled (history_depth: 0) or unavailable (no Git history)."""
    if review is None or not review.available:
        return "unavailable"
    return "disabled" if review.history is None else "ok"


def _signed(value: Decimal | None, precision: int) -> str:
    """Write a change rounded like the totals beside it, with its sign: +1, −0.5 (a true minus sign), 0."""
    if value is None:
        return "—"
    text = format_number(abs(value), precision)
    if text == "0":
        return "0"
    return ("+" if value > 0 else "−") + text


def commit_label(review: ReviewData | None, commit: Commit | None) -> Markup:
    """Return a commit's short hash as Markdown, linked to the forge's commit page when repo_url is set."""
    if commit is None:
        return Markup("未提交的改动")
    url = review.links.url(commit) if review is not None else None
    if url is None:
        return Markup(f"`{commit.short}`")
    safe = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return Markup(f"[`{commit.short}`]({safe})")


def _subject(commit: Commit | None) -> Markup:
    if commit is None:
        return Markup("")
    flat = " ".join(commit.subject.split())
    return escape_markdown(flat if len(flat) <= _SUBJECT_LENGTH else flat[:_SUBJECT_LENGTH] + "…")


def row_source(review: ReviewData | None, entry: Entry) -> Markup:
    """Describe the commit that last changed a ledger row: short hash, author, date and subject."""
    if review is None or not review.available:
        return Markup(UNAVAILABLE)
    blame = review.rows.get(entry.source)
    if blame is None:
        return Markup(UNAVAILABLE)
    if blame.commit is None:
        return Markup("未提交的改动")
    commit = blame.commit
    return (commit_label(review, commit) + Markup(" ") + escape_markdown(commit.author)
            + Markup(f" {commit.date.isoformat()}：") + _subject(commit))


def row_source_cell(review: ReviewData | None, entry: Entry) -> Either:
    """Return `row_source` for a table cell, written for Markdown and for an HTML block.

    The content is wrapped in `span.dmsite-source`, whose column print.css hides.
    """
    markdown = row_source(review, entry)
    html = Markup(escape(markdown))
    blame = review.rows.get(entry.source) if review is not None and review.available else None
    if blame is not None and blame.commit is not None:
        commit = blame.commit
        url = review.links.url(commit) if review is not None else None
        label = Markup("<code>{}</code>").format(commit.short)
        if url is not None:
            label = Markup('<a href="{}">{}</a>').format(url, label)
        flat = " ".join(commit.subject.split())
        subject = flat if len(flat) <= _SUBJECT_LENGTH else flat[:_SUBJECT_LENGTH] + "…"
        html = label + Markup(" {} {}：{}").format(commit.author, commit.date.isoformat(), subject)
    wrap = Markup('<span class="dmsite-source">{}</span>')
    return Either(wrap.format(markdown), wrap.format(html))


def _unit_timeline(review: ReviewData | None, systems: Mapping[tuple[int, str], str], year: int,
                   unit: str) -> list[dict[str, Any]] | None:
    """Return each change to one unit's totals, newest first; None without Git history."""
    if review is None or review.history is None:
        return None
    rows = []
    for event, change in review.history.unit_events(year, unit):
        rows.append({
            "date": event.commit.date.isoformat() if event.commit else "—",
            "commit": commit_label(review, event.commit),
            "subject": _subject(event.commit),
            "system": systems.get((year, change.rubric), change.rubric),
            "before": change.before,
            "after": change.after,
            "change": None if change.before is None or change.after is None else change.after - change.before,
            "first": event.first,
        })
    return rows


def _notice(review: ReviewData | None, year: int, unit: str | None) -> dict[str, Any] | None:
    if review is None or year not in review.notices:
        return None
    notice = review.notices[year]
    return {
        "status": notice.status_for(unit),
        "start": notice.period.start.isoformat(),
        "end": notice.period.end.isoformat(),
        "data_date": notice.data_date.isoformat(),
        "date_source": notice.date_source,
        "channel": review.channel,
    }


def build_review_pages(env: jinja2.Environment, data: YearData, review: ReviewData | None) -> list[Any]:
    """Render one year's change log and objection list."""
    from .build import Page

    year = data.year
    changes_title = f"{year} 年度得分变更记录"
    changes = env.get_template("changes.md.j2").render(
        title=changes_title, year=year, page_path=f"{year}/changes.md", history=_change_rows(review, data),
        review=review)
    objections_title = f"{year} 年度公示异议及处理"
    objections = sorted(data.objections, key=lambda objection: (objection.received, objection.id))
    objection_page = env.get_template("objections.md.j2").render(
        title=objections_title, year=year, page_path=f"{year}/objections.md", objections=objections,
        units=data.units, rubric_for=data.rubric_for, notice=_notice(review, year, None),
        statuses=OBJECTION_STATUSES)
    return [Page(f"{year}/changes.md", changes_title, changes, None),
            Page(f"{year}/objections.md", objections_title, objection_page, _objections_file(data))]


def _objections_file(data: YearData) -> str | None:
    if not data.ledger_files:
        return None
    scores_folder = data.ledger_files[0].rsplit("/ledgers/", 1)[0]
    return f"{scores_folder}/objections.csv"


def _change_rows(review: ReviewData | None, data: YearData) -> list[dict[str, Any]] | None:
    """Return one row per score change of the year, newest commit first; None without Git history."""
    if review is None or review.history is None:
        return None
    systems = {rubric.id: rubric.system for rubric in data.rubrics.values()}
    rows: list[dict[str, Any]] = []
    for event in review.history.year_events(data.year):
        base = {"date": event.commit.date.isoformat() if event.commit else "—",
                "commit": commit_label(review, event.commit), "author": event.commit.author if event.commit else "",
                "subject": _subject(event.commit)}
        rows.extend(_event_rows(event, base, systems, data))
    return rows


def _event_rows(event: Event, base: dict[str, Any], systems: Mapping[str, str],
                data: YearData) -> list[dict[str, Any]]:
    if event.errors:
        return [{**base, "summary": f"该版本的数据有 {event.errors} 处错误，未计分"}]
    if event.first:
        units = {change.unit for change in event.changes}
        return [{**base, "summary": f"首次录入：{len(units)} 个单位的 {len(event.changes)} 项得分"}]
    if not event.changes:
        return [{**base, "summary": "得分没有变化"}]
    rows = []
    for change in event.changes:
        unit = data.units.get(change.unit)
        rows.append({**base, "summary": None, "unit": change.unit, "unit_name": unit.name if unit else change.unit,
                     "linked": unit is not None, "system": systems.get(change.rubric, change.rubric),
                     "before": change.before, "after": change.after,
                     "change": None if change.before is None or change.after is None
                     else change.after - change.before})
    return rows


def footer_html(review: ReviewData | None) -> Markup:
    """Return the data version line for every page's footer, as HTML with every value escaped."""
    if review is None:
        return Markup("")
    version = review.version
    checksum = f"输入文件 SHA-256 <code>{escape(version.checksum)}</code>"
    commit = version.commit
    if commit is None:
        return Markup(f'<div class="dmsite-version">数据版本：{UNAVAILABLE} · {checksum}</div>')
    url = review.links.url(commit)
    label = f"<code>{escape(commit.short)}</code>"
    if url is not None:
        label = f'<a href="{escape(url)}">{label}</a>'
    extra = "（另有未提交的改动）" if version.dirty else ""
    return Markup(f'<div class="dmsite-version">数据版本 {label}（{commit.date.isoformat()}）{extra} · '
                  f"{checksum}</div>")
