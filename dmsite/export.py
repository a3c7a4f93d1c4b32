"""Downloads of one year's scores and ledger rows: CSV, XLSX and JSON.

The file builders return bytes and read no files. Only `data_version`
reads files, to hash the year's inputs. The same tables feed every format:
the scores table (one row per unit and rubric) and the ledger table (one
row per ledger record with its reason). Spreadsheet cells that hold text
starting with =, +, -, @, a tab or a carriage return are neutralised, so
that Excel and WPS show them as text and never run them as formulas;
numbers are written as numbers, with their exact decimal digits.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any


from .load.dataset import YearData
from .model import SYSTEMS, UNIT_TYPES, Entry, Rubric
from .scoring import RubricScore, YearScores

if TYPE_CHECKING:
    # openpyxl (with NumPy) takes about half a second to import; `dmsite check`
    # and `dmsite score` never write a workbook, so the functions import it.
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "DOWNLOADS",
    "LEDGER_HEADER",
    "SCORE_HEADER",
    "ExportFile",
    "data_version",
    "download_links",
    "export_files",
    "ledger_rows",
    "neutralise",
    "plain",
    "score_record",
    "score_rows",
    "scores_csv",
    "scores_json",
    "scores_xlsx",
    "table_csv",
]

SCORE_HEADER = ("年度", "单位编号", "单位", "单位类型", "体系", "评分表编号", "评分表", "得分", "满分",
                "同类排名", "同类单位数", "等次", "不列入优秀原因")
LEDGER_HEADER = ("年度", "单位编号", "单位", "体系", "评分表编号", "条目", "计分方式", "分值", "计入", "事由", "依据",
                 "审核人", "日期", "状态", "规则", "来源")

# Excel and WPS start a formula with =, +, - or @. A leading tab or carriage return is
# treated the same, because it can hide one of those from a reader.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_KIND_LABELS = {"deduction": "扣分", "award": "加分", "penalty": "惩戒分"}
# Timestamp written into every XLSX entry, so that equal data gives equal bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SHEET_NAME_MAX = 31

Cell = str | int | Decimal | datetime.date | None


@dataclasses.dataclass(frozen=True)
class ExportFile:
    """A download: its file name and content."""

    name: str
    content: bytes


def plain(value: Decimal) -> str:
    """Format a decimal without exponent or trailing zeros (2.50 -> 2.5, 1E+1 -> 10)."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text that a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _is_formula_like(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def data_version(root: Path, paths: Iterable[str]) -> str:
    """Return a short SHA-256 digest of the given input files (paths relative to `root`).

    The digest changes whenever any rubric, unit, ledger or measure file of
    the year changes, and is the same on every build of the same files.
    """
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256((root / path).read_bytes()).digest())
    return digest.hexdigest()[:12]


def score_record(year: int, score: RubricScore, with_items: bool = True) -> dict[str, Any]:
    """Describe one unit's score against one rubric as JSON-ready data; decimals become strings.

    Without `with_items` the record's item list is empty: a table of totals
    needs none, and writing every item and ledger row is most of the cost.
    """
    items = []
    for item_score in score.items.values() if with_items else ():
        items.append({
            "code": item_score.item.code,
            "max": _json_number(item_score.max),
            "score": _json_number(item_score.score),
            "applicable": item_score.applicable,
            "entries": [
                {"source": c.entry.source, "points": _json_number(c.entry.points),
                 "counted": _json_number(c.counted), "reason": c.entry.reason, "evidence": c.entry.evidence,
                 "reviewer": c.entry.reviewer, "date": c.entry.date.isoformat() if c.entry.date else None,
                 "withdrawn": c.entry.withdrawn, "rule": c.rule.id if c.rule else None}
                for c in item_score.entries
            ],
        })
    categories = [
        {"code": category.code, "name": category.name, "max": _json_number(score.nodes[category.code].max),
         "score": _json_number(score.nodes[category.code].score)}
        for category in score.rubric.categories
    ]
    return {
        "year": year,
        "unit": score.unit.id,
        "unit_name": score.unit.name,
        "unit_type": score.unit.type,
        "rubric": score.rubric.id,
        "system": score.rubric.system,
        "total": _json_number(score.total),
        "max": _json_number(score.max_total),
        "rank": score.rank,
        "rank_of": score.rank_of,
        "grade": score.grade,
        "flags": [{"kind": flag.kind, "item": flag.item, "cause": flag.cause} for flag in score.flags],
        "categories": categories,
        "items": items,
    }


def _json_number(value: Decimal | None) -> str | None:
    # Decimals are written as strings so that no float artefact can appear.
    return None if value is None else plain(value)


def _unit_scores(data: YearData, scores: YearScores) -> list[RubricScore]:
    """Return every score of the year in a stable order: unit type, unit id, system."""
    units = sorted(data.units.values(), key=lambda unit: (UNIT_TYPES.index(unit.type), unit.id))
    ordered: list[RubricScore] = []
    for unit in units:
        ordered.extend(sorted(scores.by_unit.get(unit.id, []), key=lambda s: SYSTEMS.index(s.rubric.system)))
    return ordered


def score_rows(data: YearData, scores: YearScores) -> list[list[Cell]]:
    """Return the scores table: one row per unit and rubric, in SCORE_HEADER order."""
    rows: list[list[Cell]] = []
    for score in _unit_scores(data, scores):
        causes = "；".join(f"条目 {flag.item}：{flag.cause}" for flag in score.flags)
        rows.append([data.year, score.unit.id, score.unit.name, score.unit.type, score.rubric.system,
                     score.rubric.id, score.rubric.title, score.total, score.max_total, score.rank,
                     score.rank_of, score.grade or "", causes])
    return rows


def ledger_rows(data: YearData, scores: YearScores) -> list[list[Cell]]:
    """Return the ledger table: every ledger row with what it counted, in LEDGER_HEADER order."""
    rows: list[list[Cell]] = []
    for score in _unit_scores(data, scores):
        for item_score in score.items.values():
            for counted in item_score.entries:
                entry = counted.entry
                if counted.rule is not None and counted.rule.effect != "score":
                    kind = counted.rule.describe()
                else:
                    kind = _KIND_LABELS.get(item_score.item.kind, item_score.item.kind)
                rows.append([data.year, entry.unit, score.unit.name, entry.system, score.rubric.id, entry.item,
                             kind, entry.points, counted.counted, entry.reason, entry.evidence, entry.reviewer,
                             entry.date, _status(entry),
                             counted.rule.id if counted.rule else (entry.rule or ""), entry.source])
    return rows


def _status(entry: Entry) -> str:
    if entry.withdrawn:
        return "撤销"
    if entry.corrected_by is not None:
        return f"已被更正（{entry.corrected_by}）"
    return "有效"


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write a table as CSV for Excel: UTF-8 with BOM, CRLF line ends, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def scores_csv(data: YearData, scores: YearScores) -> bytes:
    return table_csv(SCORE_HEADER, score_rows(data, scores))


def scores_json(data: YearData, scores: YearScores, version: str) -> bytes:
    """Write every score with its categories, items and ledger rows as JSON (UTF-8)."""
    document = {
        "year": data.year,
        "data_version": version,
        "scores": [score_record(data.year, score) for score in _unit_scores(data, scores)],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def scores_xlsx(data: YearData, scores: YearScores, version: str) -> bytes:
    """Write the scores workbook: a summary sheet, one sheet per rubric, the ledger and a notes sheet.

    The workbook is written in openpyxl's write-only mode, which streams each
    row to the file instead of keeping a cell object per value: a district's
    100,000 ledger rows took over 600 MB in the normal mode.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _fill_sheet(workbook.create_sheet("总分"), SCORE_HEADER, score_rows(data, scores), freeze="D2")

    used = {"总分", "台账", "说明"}
    rubrics = sorted(data.rubrics.values(), key=_rubric_order)
    for rubric in rubrics:
        name = _sheet_name(rubric, used)
        used.add(name)
        header, rows = _rubric_table(rubric, scores.by_rubric.get(rubric.id, []))
        _fill_sheet(workbook.create_sheet(name), header, rows, freeze="C2")

    _fill_sheet(workbook.create_sheet("台账"), LEDGER_HEADER, ledger_rows(data, scores), freeze="C2")
    _fill_notes(workbook.create_sheet("说明"), data, version, rubrics)
    return workbook_bytes(workbook, _stamp(data))


def _rubric_order(rubric: Rubric) -> tuple[int, int, str]:
    # The order of the site's pages: system, then the first unit type, then id.
    first_type = min(UNIT_TYPES.index(unit_type) for unit_type in rubric.unit_types)
    return (SYSTEMS.index(rubric.system), first_type, rubric.id)


def _rubric_table(rubric: Rubric, scores: list[RubricScore]) -> tuple[list[str], list[list[Cell]]]:
    """Return a rubric's header and one row per unit: totals, then every category and item score."""
    header = ["单位编号", "单位", "单位类型", "得分", "满分", "同类排名", "等次", "不列入优秀"]
    header += [f"{category.code} {category.name}" for category in rubric.categories]
    header += [item.code for item in rubric.items()]
    rows: list[list[Cell]] = []
    for score in sorted(scores, key=lambda s: (UNIT_TYPES.index(s.unit.type), s.rank or 0, s.unit.id)):
        row: list[Cell] = [score.unit.id, score.unit.name, score.unit.type, score.total, score.max_total,
                           score.rank, score.grade or "", "是" if score.flags else ""]
        row += [score.nodes[category.code].score for category in rubric.categories]
        row += [item_score.score if item_score.applicable else "不适用" for item_score in score.items.values()]
        rows.append(row)
    return header, rows


def _sheet_name(rubric: Rubric, used: set[str]) -> str:
    name = f"{rubric.system}（{'、'.join(rubric.unit_types)}）"
    if len(name) > _SHEET_NAME_MAX or name in used:
        name = rubric.id[:_SHEET_NAME_MAX]
    return name


def _fill_sheet(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Cell]], freeze: str) -> None:
    """Write a header row and data rows, freeze the header, add a filter and size the columns.

    `sheet` is a write-only sheet: its settings come first, then rows in order.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(rows) + 1, 1)}"
    for column, title in enumerate(header, start=1):
        values = [title] + [_csv_cell(row[column - 1]) for row in rows[:200]]
        width = max(_display_width(value) for value in values)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), 60)
    titles = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([_streamed_cell(sheet, value) for value in row])


def _streamed_cell(sheet: Worksheet, value: Cell) -> Any:
    """Return what a write-only sheet should append for one value, typed as `write_cell` types it."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        # See write_cell: text that looks like a formula stays text.
        cell.data_type = "s"
        if _is_formula_like(value):
            cell.quotePrefix = True
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def write_cell(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    """Write one typed value: numbers as numbers, dates as dates, text always as text."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, str):
        cell.value = value
        # openpyxl turns a string starting with "=" into a formula; force text,
        # and set quotePrefix so that Excel keeps it text when it is edited.
        cell.data_type = "s"
        if _is_formula_like(value):
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"


def _display_width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _fill_notes(sheet: Worksheet, data: YearData, version: str, rubrics: list[Rubric]) -> None:
    lines: list[list[Cell]] = [
        ["年度", data.year],
        ["数据版本", version],
        ["说明", "得分按精确小数计算，未四舍五入；“不适用”表示该条目不适用于本单位。"],
        ["说明", "「台账」工作表列出全部扣分、加分和标记记录，“计入”为计入得分的分值，撤销或已被更正的记录计入 0 分。"],
    ]
    lines += [["评分表", f"{rubric.id}：{rubric.title}"] for rubric in rubrics]
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 100
    for line in lines:
        sheet.append([_streamed_cell(sheet, value) for value in line])


def _stamp(data: YearData) -> datetime.datetime:
    """Date the workbook by its data (the latest ledger date), never by the clock."""
    dates = [entry.date for entry in data.entries if entry.date is not None]
    day = max(dates) if dates else datetime.date(data.year, 1, 1)
    return datetime.datetime.combine(day, datetime.time())


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile that stamps every entry with one fixed time instead of the clock."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[override]
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[override]
        # openpyxl writes each worksheet to a temporary file first; its mtime must not leak in.
        with open(filename, "rb") as handle:
            self.writestr(arcname or Path(filename).name, handle.read())


def workbook_bytes(workbook: Workbook, stamp: datetime.datetime) -> bytes:
    """Save a workbook to bytes that depend only on its content and `stamp`."""
    workbook.properties.creator = "dmsite"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    # openpyxl's save_workbook() sets `modified` to the clock, so the writer is called directly.
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


# File name pattern and Chinese description of each download, in the order the year page lists them.
DOWNLOADS = (
    ("scores-{year}.xlsx", "全部得分和台账（Excel 工作簿）：总分表、每张评分表一个工作表（含各类别和各条目得分）、台账记录"),
    ("scores-{year}.csv", "总分表（CSV，可用 Excel 或 WPS 直接打开）"),
    ("ledger-{year}.csv", "全部扣分、加分和标记记录及其事由（CSV）"),
    ("scores-{year}.json", "全部得分及计算依据（JSON，供程序读取）"),
)


def download_links(year: int) -> list[tuple[str, str]]:
    """Return (file name, description) of each download of `year`."""
    return [(pattern.format(year=year), label) for pattern, label in DOWNLOADS]


def export_files(data: YearData, scores: YearScores, version: str) -> list[ExportFile]:
    """Build every download of one year, in the order of DOWNLOADS."""
    year = data.year
    builders = {
        f"scores-{year}.xlsx": lambda: scores_xlsx(data, scores, version),
        f"scores-{year}.csv": lambda: scores_csv(data, scores),
        f"ledger-{year}.csv": lambda: table_csv(LEDGER_HEADER, ledger_rows(data, scores)),
        f"scores-{year}.json": lambda: scores_json(data, scores, version),
    }
    return [ExportFile(name, builders[name]()) for name, _ in download_links(year)]
