"""The 扣分检索 page: every ledger row of a year in one data file, filtered in the browser.

Unit pages are left out of the built-in search index on large sites (their
rows would make it too big for a browser), so this page is where a reason
is found by a word. The data file contains one short array per ledger row,
and what rows repeat (units, rubrics, item codes, reasons) is stored once.
deductions.js, served by the site itself, loads it and filters by unit,
rubric, item and keyword, inserting all text with textContent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..load.dataset import YearData
from ..model import Entry
from ..scoring import Counted, YearScores
from .tables import relative_href

__all__ = ["DATA_NAME", "PAGE_NAME", "SCRIPT", "deductions_data", "status_of"]

PAGE_NAME = "deductions.md"
DATA_NAME = "deductions.json"
SCRIPT = "assets/dmsite/deductions.js"

# Status labels, as on unit pages; rows store an index into this list.
STATUSES = ("有效", "已撤销", "已更正，不计分", "不列入优秀名单", "一票否决（本条目计 0 分）")


def status_of(counted: Counted) -> int:
    """Return the index in STATUSES of a ledger row's status."""
    entry = counted.entry
    if entry.withdrawn:
        return 1
    if entry.superseded:
        return 2
    if counted.rule is not None and counted.rule.effect == "exclude_excellence":
        return 3
    if counted.rule is not None and counted.rule.effect == "veto":
        return 4
    return 0


def deductions_data(data: YearData, scores: YearScores, unit_ids: Iterable[str], directory_urls: bool) -> str:
    """Return the data file of one year: the rows of the units in `unit_ids`, in unit and page order.

    Layout (JSON): `units` [id, name, type], `rubrics` [id, system, title],
    `items` [rubric index, code], `reasons` [text] and `rows`, each row
    [unit index, item index, signed points, counted points, reason index,
    date as YYYYMMDD, status index]. Points are strings, so that no decimal
    becomes a float.
    """
    page = f"{data.year}/{PAGE_NAME}"
    units: list[list[str]] = []
    rubrics: list[list[str]] = []
    rubric_index: dict[str, int] = {}
    items: list[list[Any]] = []
    item_index: dict[tuple[str, str], int] = {}
    reasons: list[str] = []
    reason_index: dict[str, int] = {}
    rows: list[list[Any]] = []

    for unit_id in unit_ids:
        unit = data.units[unit_id]
        unit_number = len(units)
        units.append([unit.id, unit.name, unit.type])
        for score in scores.by_unit.get(unit_id, []):
            rubric = score.rubric
            if rubric.id not in rubric_index:
                rubric_index[rubric.id] = len(rubrics)
                rubrics.append([rubric.id, rubric.system, rubric.title])
            for item_score in score.items.values():
                for counted in item_score.entries:
                    entry = counted.entry
                    key = (rubric.id, entry.item)
                    if key not in item_index:
                        item_index[key] = len(items)
                        items.append([rubric_index[rubric.id], entry.item])
                    if entry.reason not in reason_index:
                        reason_index[entry.reason] = len(reasons)
                        reasons.append(entry.reason)
                    sign = "+" if item_score.item.kind == "award" else "-"
                    rows.append([unit_number, item_index[key], sign + _plain(entry), _plain_counted(counted),
                                 reason_index[entry.reason], _date_number(entry), status_of(counted)])
    document = {
        "year": data.year,
        # Where a unit's page is, relative to this page: the id replaces {id}.
        "unit_href": relative_href(page, "units/{id}.md", directory_urls),
        "statuses": STATUSES,
        "units": units,
        "rubrics": rubrics,
        "items": items,
        "reasons": reasons,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _plain(entry: Entry) -> str:
    return format(entry.points.normalize(), "f")


def _plain_counted(counted: Counted) -> str:
    return format(counted.counted.normalize(), "f")


def _date_number(entry: Entry) -> int:
    # The year is kept because a year's ledger also contains rows dated early the next year.
    date = entry.date
    return date.year * 10000 + date.month * 100 + date.day if date is not None else 0
