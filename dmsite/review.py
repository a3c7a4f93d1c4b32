"""Collect what review pages show: provenance, score history and the public notice status.

This is service code next to `site.py`. It reads from Git (through
`gitdata`) the data version, the commit behind each ledger row and the
history of scores, and computes each year's notice (公示) status. Without Git history
everything except the checksum and the notice status is left out, and the
pages say 来源信息不可用.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import Location, Problems
from .gitdata import GitError, GitRepo, LineBlame
from .history import History, totals_of, walk_history
from .load.dataset import YearData
from .notice import CORRECTED, NoticePeriod, latest_date, notice_status, parse_day, parse_notice
from .pages.build import SiteOptions
from .provenance import FORGES, CommitLinks, DataVersion, data_version, input_files, row_commits
from .scoring import YearScores

__all__ = ["ReviewData", "ReviewSettings", "YearNotice", "collect_review", "parse_review_settings"]

log = logging.getLogger("mkdocs.plugins.dmsite")


@dataclasses.dataclass(frozen=True)
class ReviewSettings:
    """Review options; mirrors the plugin's repo_url, forge, notice, objection_channel, as_of and history_depth."""

    repo_url: str = ""
    forge: str = "auto"
    notice: tuple[NoticePeriod, ...] = ()
    objection_channel: str = ""
    as_of: datetime.date | None = None
    history_depth: int = 50


def parse_review_settings(options: Mapping[str, Any], repo_url: str | None, problems: Problems,
                          where: Location) -> ReviewSettings:
    """Read the review options of the dmsite plugin (and mkdocs.yml's repo_url), reporting invalid values."""
    notice = parse_notice(options.get("notice"), problems, where)
    as_of = None
    raw_as_of = options.get("as_of")
    if raw_as_of not in (None, ""):
        as_of = parse_day(raw_as_of)
        if as_of is None:
            problems.add("plugin-option", where, field="as_of", value=raw_as_of,
                         detail="不是有效日期，请写成 2023-01-09 的格式")
    forge = str(options.get("forge") or "auto")
    if forge not in FORGES:
        problems.add("plugin-option", where, field="forge", value=forge, detail="可选：" + "、".join(FORGES))
        forge = "auto"
    depth = options.get("history_depth", 50)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        problems.add("plugin-option", where, field="history_depth", value=depth,
                     detail="应为 0 或正整数（0 表示不列出变更记录）")
        depth = 50
    return ReviewSettings(repo_url or "", forge, notice, str(options.get("objection_channel") or ""), as_of, depth)


@dataclasses.dataclass(frozen=True)
class YearNotice:
    """One year's public notice (公示), in the form pages display it."""

    period: NoticePeriod
    data_date: datetime.date
    # Where data_date comes from, in Chinese, e.g. 最新数据提交的日期.
    date_source: str
    status: str
    # Units whose scores were corrected after the notice ended (only when data_date is after the end).
    corrected_units: frozenset[str]

    def status_for(self, unit: str | None) -> str:
        """Return the status of the year's pages, or of one unit's page."""
        if unit is None or self.status != CORRECTED:
            return self.status
        return CORRECTED if unit in self.corrected_units else notice_status(self.period, self.data_date, False)


@dataclasses.dataclass
class ReviewData:
    """Everything the review parts of the pages need, computed once per build."""

    version: DataVersion
    links: CommitLinks
    # Ledger row source -> the commit that last changed it; empty without Git.
    rows: dict[str, LineBlame]
    history: History | None
    notices: dict[int, YearNotice]
    channel: str
    git_error: str = ""

    @property
    def available(self) -> bool:
        """True when the data comes from a Git repository and its commits could be read."""
        return self.version.commit is not None


def collect_review(root: Path, rubrics_dir: str, scores_dir: str, years: Sequence[int], options: SiteOptions,
                   settings: ReviewSettings, scored: Sequence[tuple[YearData, YearScores]]) -> ReviewData:
    """Read the Git facts about the data and compute each year's notice status."""
    files = input_files(root, [data for data, _ in scored], scores_dir)
    data_paths = [rubrics_dir, scores_dir]
    links = CommitLinks(settings.repo_url, settings.forge)
    repo = GitRepo.find(root)
    try:
        version = data_version(repo, root, data_paths, files)
        if repo is None or version.commit is None:
            review = ReviewData(version, links, {}, None, {}, settings.objection_channel)
        else:
            rows = row_commits(repo, [entry for data, _ in scored for entry in data.entries])
            history = None
            if settings.history_depth > 0:
                history = walk_history(repo, rubrics_dir, scores_dir, years, options, settings.history_depth,
                                       totals_of(scored), version.dirty)
            review = ReviewData(version, links, rows, history, {}, settings.objection_channel)
    except GitError as exc:
        # NOTE: a broken or partial clone still builds, and its pages show 来源信息不可用.
        log.warning("dmsite：读取 Git 历史失败，页面将显示“来源信息不可用”：%s", exc)
        version = data_version(None, root, data_paths, files)
        review = ReviewData(version, links, {}, None, {}, settings.objection_channel, str(exc))
    review.notices = _notices(settings, review, scored)
    return review


def _notices(settings: ReviewSettings, review: ReviewData,
             scored: Sequence[tuple[YearData, YearScores]]) -> dict[int, YearNotice]:
    periods = {period.year: period for period in settings.notice}
    notices: dict[int, YearNotice] = {}
    for data, _ in scored:
        period = periods.get(data.year)
        if period is None:
            continue
        data_date, source = _data_date(settings, review, data)
        if data_date is None:
            continue
        corrected = _corrected_units(data, review.history, period.end, data_date)
        status = notice_status(period, data_date, bool(corrected))
        notices[data.year] = YearNotice(period, data_date, source, status, frozenset(corrected))
    return notices


def _data_date(settings: ReviewSettings, review: ReviewData,
               data: YearData) -> tuple[datetime.date | None, str]:
    if settings.as_of is not None:
        return settings.as_of, "设置的数据日期"
    if review.version.commit is not None:
        return review.version.commit.date, "最新数据提交的日期"
    dates = [entry.date for entry in data.entries]
    dates += [day for objection in data.objections for day in (objection.received, objection.decided)]
    return latest_date(dates), "台账和异议登记中的最新日期"


def _corrected_units(data: YearData, history: History | None, end: datetime.date,
                     data_date: datetime.date) -> set[str]:
    """Return the units whose scores changed after the notice ended, up to the data date.

    A change counts when a correcting ledger row (更正) or an objection
    resolved as 已更正 is dated after the end, or when a commit dated after
    the end changed the unit's total.
    """
    def after_end(day: datetime.date | None) -> bool:
        return day is not None and end < day <= data_date

    units = {entry.unit for entry in data.entries
             if entry.corrects and not entry.withdrawn and after_end(entry.date)}
    units |= {objection.unit for objection in data.objections
              if objection.status == "已更正" and after_end(objection.decided)}
    if history is not None:
        units |= {change.unit for event in history.year_events(data.year)
                  if event.commit is not None and after_end(event.commit.date) and not event.first
                  for change in event.changes}
    return units
