"""The public notice (公示) of each year's results: its period and status.

A page's status is computed from the configured notice period against the
data date: the `as_of` setting when given, else the date of the latest
commit that changed the data, else the latest date in the ledgers and
objections. The clock is never read, so a build of the same data always
shows the same status.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from .errors import Location, Problems

__all__ = [
    "CORRECTED",
    "FINAL",
    "OPEN",
    "UPCOMING",
    "NoticePeriod",
    "latest_date",
    "notice_status",
    "parse_day",
    "parse_notice",
]

UPCOMING = "待公示"
OPEN = "公示中"
FINAL = "已定稿"
CORRECTED = "已更正"


@dataclasses.dataclass(frozen=True)
class NoticePeriod:
    """The days, both included, during which one year's results are on public notice."""

    year: int
    start: datetime.date
    end: datetime.date


def notice_status(period: NoticePeriod, data_date: datetime.date, corrected_after_end: bool) -> str:
    """Return 待公示, 公示中 (start and end days included), 已定稿 or 已更正.

    `corrected_after_end` is true when the scores shown were corrected by a
    change dated after the last day of the notice.
    """
    if data_date < period.start:
        return UPCOMING
    if data_date <= period.end:
        return OPEN
    return CORRECTED if corrected_after_end else FINAL


def parse_day(value: Any) -> datetime.date | None:
    """Read a date written in YAML as 2023-01-09 (a date) or "2023-01-09" (a string); None if invalid."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_notice(raw: Any, problems: Problems, where: Location) -> tuple[NoticePeriod, ...]:
    """Read the `notice` option: {year: {start: date, end: date}}; report each invalid value."""
    if raw in (None, {}):
        return ()
    if not isinstance(raw, dict):
        problems.add("plugin-option", where, field="notice", value=_show(raw),
                     detail="应为按年度列出的公示期，例如 2022: {start: 2023-01-09, end: 2023-01-13}")
        return ()
    periods: list[NoticePeriod] = []
    for key, value in raw.items():
        year = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else None
        if year is None:
            problems.add("plugin-option", where, field="notice", value=_show(key), detail="键应为年度，例如 2022")
            continue
        if not isinstance(value, dict):
            problems.add("plugin-option", where, field=f"notice.{year}", value=_show(value),
                         detail="应写明 start 和 end 两个日期")
            continue
        unknown = sorted(str(name) for name in value if name not in ("start", "end"))
        for name in unknown:
            problems.add("plugin-option", where, field=f"notice.{year}.{name}", value=_show(value[name]),
                         detail="只能设置 start 和 end")
        days = {name: parse_day(value.get(name)) for name in ("start", "end")}
        for name, day in days.items():
            if day is None:
                problems.add("plugin-option", where, field=f"notice.{year}.{name}", value=_show(value.get(name)),
                             detail="不是有效日期，请写成 2023-01-09 的格式")
        start, end = days["start"], days["end"]
        if start is None or end is None or unknown:
            continue
        if end < start:
            problems.add("plugin-option", where, field=f"notice.{year}.end", value=end.isoformat(),
                         detail=f"早于开始日期 {start.isoformat()}")
            continue
        periods.append(NoticePeriod(year, start, end))
    return tuple(periods)


def latest_date(dates: Iterable[datetime.date | None]) -> datetime.date | None:
    present = [day for day in dates if day is not None]
    return max(present) if present else None


def _show(value: Any) -> str:
    return "（空）" if value is None or value == "" else str(value)
