"""Read scores/<year>/objections.csv: objections received during the public notice (公示).

One row per objection: who raised it about which system (and optionally
which item), when it was received, its content, and how it was handled.
Every cell is checked here and against the year's units, rubrics and ledger
rows, so each message names the file, the row and the column.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Location, Problems
from ..model import ID_PATTERN, SYSTEMS, Objection
from .corrections import RowReferenceError, find_row
from .tables import TableSpec, parse_date, read_table

if TYPE_CHECKING:
    from .dataset import YearData

__all__ = ["OBJECTION_COLUMNS", "OBJECTION_STATUSES", "check_objections", "read_objections"]

OBJECTION_COLUMNS = TableSpec(
    ("编号", "单位编号", "体系", "条目", "收到日期", "异议内容", "处理结果", "处理日期", "状态"),
    ("更正记录", "备注"),
    blank_ok=("条目", "处理结果", "处理日期", "更正记录", "备注"),
)
PENDING = "处理中"
CORRECTED = "已更正"
# 处理中 is still open; the others are outcomes (维持原评分: the score is kept).
OBJECTION_STATUSES = (PENDING, "维持原评分", CORRECTED, "不予受理")


def read_objections(path: Path, display: str, problems: Problems,
                    encodings: dict[str, str] | None = None) -> list[Objection]:
    """Read and check each row on its own; references are checked by `check_objections`."""
    rows = read_table(path, display, OBJECTION_COLUMNS, problems, encodings)
    objections: list[Objection] = []
    first_line: dict[str, int] = {}
    for line, record in rows or []:
        objection = _objection(record, display, line, first_line, problems)
        if objection is not None:
            objections.append(objection)
    return objections


def _objection(record: dict[str, str], display: str, line: int, first_line: dict[str, int],
               problems: Problems) -> Objection | None:
    def at(field: str) -> Location:
        return Location(display, line, field=field)

    before = len(problems.errors)
    objection_id = record["编号"]
    if not ID_PATTERN.match(objection_id):
        problems.add("objection-bad-id", at("编号"), value=objection_id)
    elif objection_id in first_line:
        problems.add("objection-duplicate", at("编号"), value=objection_id, first_line=first_line[objection_id])
    else:
        first_line[objection_id] = line
    if record["体系"] not in SYSTEMS:
        problems.add("system-unknown", at("体系"), value=record["体系"])
    received = _date(record["收到日期"], "收到日期", at("收到日期"), problems)
    decided = _date(record["处理日期"], "处理日期", at("处理日期"), problems) if record["处理日期"] else None

    status = record["状态"]
    if status not in OBJECTION_STATUSES:
        problems.add("objection-status", at("状态"), value=status, expected="、".join(OBJECTION_STATUSES))
    elif status == PENDING and record["处理日期"]:
        problems.add("objection-pending-decided", at("处理日期"), value=record["处理日期"])
    elif status != PENDING:
        for field in ("处理结果", "处理日期"):
            if not record[field]:
                problems.add("objection-outcome-missing", at(field), status=status, field=field)
    if record["更正记录"] and status in OBJECTION_STATUSES and status != CORRECTED:
        problems.add("objection-correction-status", at("更正记录"), status=status)
    if status == CORRECTED and not record["更正记录"]:
        problems.add("objection-correction-missing", at("更正记录"))
    if received is not None and decided is not None and decided < received:
        problems.add("objection-date-order", at("处理日期"), value=record["处理日期"], received=record["收到日期"])

    if len(problems.errors) > before or received is None:
        return None
    return Objection(objection_id, record["单位编号"], record["体系"], record["条目"], received,
                     record["异议内容"], record["处理结果"], decided, status, record["更正记录"] or None,
                     display, line)


def _date(text: str, field: str, location: Location, problems: Problems) -> datetime.date | None:
    # parse_date reports under the ledger's 日期 column; report under this column instead.
    scratch = Problems()
    value = parse_date(text, location, scratch)
    for problem in scratch:
        if problem.code == "csv-date":
            problems.add("csv-date", location, field=field, value=text)
        else:
            problems.extend([problem])
    return value


def check_objections(data: YearData, objections: list[Objection], problems: Problems) -> list[Objection]:
    """Check units, systems, items and correction rows against the year's data; keep the valid ones."""
    by_source = {entry.source: entry for entry in data.entries}
    sources = set(by_source)
    valid: list[Objection] = []
    for objection in objections:
        def at(field: str, objection: Objection = objection) -> Location:
            return Location(objection.path, objection.line, field=field)

        unit = data.units.get(objection.unit)
        if unit is None:
            problems.add("unit-unknown", at("单位编号"), value=objection.unit)
            continue
        rubric = data.rubric_for(unit, objection.system)
        if rubric is None:
            problems.add("rubric-not-applicable", at("体系"), unit=unit.id, unit_type=unit.type,
                         system=objection.system)
            continue
        if objection.item and rubric.item(objection.item) is None:
            problems.add("item-unknown", at("条目"), value=objection.item, rubric=rubric.id)
            continue
        if objection.correction is not None:
            try:
                source = find_row(objection.correction, None, data.ledger_files)
            except RowReferenceError as exc:
                detail = exc.detail or "请写成“文件名:行号”，例如 jcdj.csv:12"
                problems.add("objection-correction", at("更正记录"), value=objection.correction, detail=detail)
                continue
            if source not in sources:
                problems.add("objection-correction", at("更正记录"), value=objection.correction,
                             detail=f"{source} 不是有效的台账记录")
                continue
            # The row named must be the correction made for this objection:
            # a 更正 row of the same unit and system.
            entry = by_source[source]
            if entry.corrects is None or entry.unit != objection.unit or entry.system != objection.system:
                problems.add("objection-correction-wrong", at("更正记录"), value=objection.correction,
                             unit=objection.unit, system=objection.system)
                continue
            objection = dataclasses.replace(objection, correction=source)
        valid.append(objection)
    return valid
