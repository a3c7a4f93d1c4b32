"""The Excel ledger template for reviewers, and its import into ledger CSV rows.

`ledger_template` writes a workbook whose 台账 sheet has the ledger's
headers and drop-down lists and limits that Excel and WPS enforce while a
reviewer types. `import_ledger` reads a filled workbook back and validates
every row with the same loaders as `dmsite check`. The rows are written as
CSV with each Excel row on its own line. So every message names the sheet,
the Excel row number and the column header.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .errors import Location, Problems
from .export import workbook_bytes, write_cell
from .load.dataset import YearData, check_entries
from .load.tables import read_ledger
from .model import Item, Rubric

__all__ = ["LEDGER_SHEET", "TEMPLATE_COLUMNS", "ImportedLedger", "import_ledger", "ledger_template", "template_year"]

LEDGER_SHEET = "台账"
ITEMS_SHEET = "条目"
UNITS_SHEET = "单位"
LISTS_SHEET = "选项"
TEMPLATE_COLUMNS = ("单位编号", "体系", "条目", "分值", "事由", "依据", "审核人", "日期", "状态", "规则")
# Rows of the ledger sheet that carry formats and drop-down lists.
TEMPLATE_ROWS = 1000
# Columns whose values are codes: Excel must keep them as typed text.
_CODE_COLUMNS = ("单位编号", "体系", "条目", "状态", "规则")
_KIND_LABELS = {"deduction": "扣分", "award": "加分", "tiers": "按测评分档", "self_check": "自评自查比对",
                "monthly": "按月计分", "penalty": "惩戒分"}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WIDTHS = {"单位编号": 10, "体系": 10, "条目": 9, "分值": 7, "事由": 40, "依据": 30, "审核人": 12, "日期": 12,
           "状态": 7, "规则": 6}


def _item_limit(rubric: Rubric, item: Item) -> Decimal:
    """Return the most one ledger row may carry: the item's maximum, its shared cap, else the rubric total."""
    if item.max is not None:
        return item.max
    group = rubric.cap_group(item.cap_group) if item.cap_group else None
    return group.cap if group is not None else rubric.total


def _enterable(rubric: Rubric) -> list[Item]:
    # Items scored from measures cannot have ledger rows.
    return [item for item in rubric.items() if not item.computed]


def ledger_template(data: YearData, rubric: Rubric) -> bytes:
    """Write the reviewers' XLSX template for one rubric of one year."""
    workbook = Workbook()
    ledger = workbook.active
    assert ledger is not None
    ledger.title = LEDGER_SHEET
    items = _fill_items(workbook.create_sheet(ITEMS_SHEET), rubric)
    units = sorted(data.units_for(rubric), key=lambda unit: unit.id)
    _fill_units(workbook.create_sheet(UNITS_SHEET), units)
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    enterable = _enterable(rubric)
    rule_ids = sorted({rule.id for item in enterable for rule in item.rules})
    for row, value in enumerate(["条目", *(item.code for item in enterable)], start=1):
        write_cell(lists, row, 1, value)
    for row, value in enumerate(["规则", *rule_ids], start=1):
        write_cell(lists, row, 2, value)
    for row, (key, value) in enumerate((("年度", data.year), ("评分表", rubric.id), ("体系", rubric.system)), start=1):
        write_cell(lists, row, 4, key)
        write_cell(lists, row, 5, value)

    _fill_ledger(ledger, data.year, rubric, len(units), len(enterable), len(rule_ids), items)
    return workbook_bytes(workbook, datetime.datetime(data.year, 1, 1))


def _fill_ledger(sheet: Worksheet, year: int, rubric: Rubric, unit_count: int, item_count: int, rule_count: int,
                 listed_items: int) -> None:
    last = TEMPLATE_ROWS + 1
    for column, title in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = _WIDTHS[title]
        number_format = "yyyy-mm-dd" if title == "日期" else ("General" if title == "分值" else "@")
        for row in range(2, last + 1):
            sheet.cell(row=row, column=column).number_format = number_format
    sheet.freeze_panes = "A2"

    def column(title: str) -> str:
        letter = get_column_letter(TEMPLATE_COLUMNS.index(title) + 1)
        return f"{letter}2:{letter}{last}"

    def add(validation: DataValidation, title: str, prompt: str, error: str) -> None:
        validation.promptTitle = title
        validation.prompt = prompt
        validation.errorTitle = f"「{title}」填写有误"
        validation.error = error
        validation.showInputMessage = True
        validation.showErrorMessage = True
        validation.errorStyle = "stop"
        validation.add(column(title))
        sheet.add_data_validation(validation)

    add(DataValidation(type="list", formula1=f"'{UNITS_SHEET}'!$A$2:$A${unit_count + 1}", allow_blank=True),
        "单位编号", "从下拉列表选择单位编号，单位名称见「单位」工作表",
        "单位编号必须是「单位」工作表中列出的编号")
    add(DataValidation(type="list", formula1=f'"{rubric.system}"', allow_blank=True),
        "体系", f"本表只录入「{rubric.system}」体系的记录", f"体系只能是「{rubric.system}」")
    add(DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!$A$2:$A${item_count + 1}", allow_blank=True),
        "条目", "从下拉列表选择条目编码，条目内容、规则和分值上限见「条目」工作表",
        "条目编码必须是「条目」工作表中可录入台账的条目")
    # The upper bound looks up the item's limit; an empty or unknown item falls back to the rubric total.
    limit = (f"IFERROR(VLOOKUP($C2,'{ITEMS_SHEET}'!$A$2:$F${listed_items + 1},6,FALSE),"
             f"{_number(rubric.total)})")
    add(DataValidation(type="decimal", operator="between", formula1="0", formula2=limit, allow_blank=True),
        "分值", "填写正数（最多两位小数），扣分还是加分由条目决定；不超过该条目的分值上限",
        "分值必须是不小于 0 的数字，且不超过该条目的分值上限（见「条目」工作表）")
    add(DataValidation(type="date", operator="between", formula1=f"DATE({year},1,1)",
                       formula2=f"DATE({year + 1},12,31)", allow_blank=True),
        "日期", f"填写日期，例如 {year}-03-05", f"日期必须在 {year}-01-01 到 {year + 1}-12-31 之间")
    add(DataValidation(type="list", formula1='"有效,撤销"', allow_blank=True),
        "状态", "留空表示有效；撤销的记录保留但不计分", "状态只能是“有效”或“撤销”，也可以留空")
    if rule_count:
        add(DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!$B$2:$B${rule_count + 1}", allow_blank=True),
            "规则", "可选：条目中的规则编号（a、b、c……），见「条目」工作表", "规则编号必须是条目中列出的编号")
    for title, prompt in (("事由", "扣分或加分的具体情况"), ("依据", "检查记录、文件、证书等依据"),
                          ("审核人", "录入记录的审核人")):
        add(DataValidation(type="textLength", operator="greaterThan", formula1="0", allow_blank=True),
            title, prompt, f"请填写{title}")


def _fill_items(sheet: Worksheet, rubric: Rubric) -> int:
    """List every item with its rules and limits; return the number of items listed."""
    header = ["条目", "类别", "考核指标", "项目内容", "计分方式", "分值上限", "扣分方式", "规则", "适用范围", "台账录入"]
    _header(sheet, header, [9, 14, 18, 50, 10, 9, 40, 40, 14, 18])
    row = 2
    for category in rubric.categories:
        for indicator in category.indicators:
            for item in indicator.items:
                rules = "\n".join(f"{rule.id}. {rule.text}：{rule.describe()}" for rule in item.rules)
                if item.rule_from:
                    rules = f"同 {item.rule_from}"
                values = [item.code, f"{category.code} {category.name}", f"{indicator.code} {indicator.name}",
                          item.text, _KIND_LABELS.get(item.kind, item.kind), _item_limit(rubric, item),
                          item.rule_text, rules, "、".join(item.applies_to) or "全部",
                          "由测量值计算，不在台账录入" if item.computed else "可录入"]
                for column, value in enumerate(values, start=1):
                    write_cell(sheet, row, column, value)
                    sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
                row += 1
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{row - 1}"
    return row - 2


def _fill_units(sheet: Worksheet, units: list) -> None:
    _header(sheet, ["编号", "名称", "类型", "标签"], [10, 30, 10, 20])
    for row, unit in enumerate(units, start=2):
        for column, value in enumerate((unit.id, unit.name, unit.type, "、".join(unit.tags)), start=1):
            write_cell(sheet, row, column, value)
    sheet.freeze_panes = "A2"


def _header(sheet: Worksheet, titles: list[str], widths: list[int]) -> None:
    for column, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def template_year(path: Path) -> int | None:
    """Return the year recorded in a template by `ledger_template`, or None if there is none."""
    try:
        workbook = load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError):
        return None
    try:
        if LISTS_SHEET not in workbook.sheetnames:
            return None
        sheet = workbook[LISTS_SHEET]
        for key, value in sheet.iter_rows(min_row=1, max_row=3, min_col=4, max_col=5, values_only=True):
            if key == "年度" and isinstance(value, int):
                return value
        return None
    finally:
        workbook.close()


@dataclasses.dataclass
class ImportedLedger:
    """A filled template read back: the ledger header and rows as CSV text cells."""

    header: list[str]
    rows: list[list[str]]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue()


def import_ledger(path: Path, display: str, data: YearData, problems: Problems) -> ImportedLedger | None:
    """Read the 台账 sheet of a filled template and validate it like a ledger CSV of `data`'s year.

    Problems are added with the location "<display>「台账」工作表", the Excel
    row number and the column header. Returns None when the file cannot be
    read at all.
    """
    try:
        workbook = load_workbook(path)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        problems.add("xlsx-open", Location(display), detail=str(exc) or type(exc).__name__)
        return None
    if LEDGER_SHEET not in workbook.sheetnames:
        problems.add("xlsx-sheet-missing", Location(display), sheet=LEDGER_SHEET,
                     found="、".join(workbook.sheetnames))
        return None
    sheet = workbook[LEDGER_SHEET]
    where = f"{display}「{LEDGER_SHEET}」工作表"

    table = [list(row) for row in sheet.iter_rows()]
    header = [_header_text(cell) for cell in table[0]] if table else []
    while header and header[-1] == "":
        header.pop()

    # Convert every cell to the text a CSV ledger would hold, reporting cells Excel stored wrongly.
    cell_problems = Problems()
    texts: list[list[str]] = []
    for row_number, cells in enumerate(table[1:], start=2):
        # Cells right of the header are kept, so that the loader reports them instead of dropping them.
        filled = [index for index, cell in enumerate(cells) if cell.value not in (None, "")]
        width = max(len(header), filled[-1] + 1 if filled else 0)
        row: list[str] = []
        for column in range(width):
            title = header[column] if column < len(header) else ""
            cell = cells[column] if column < len(cells) else None
            row.append(_cell_text(cell, title, Location(where, row_number, field=title or None), cell_problems))
        texts.append(row)
    while texts and not any(value.strip() for value in texts[-1]):
        texts.pop()

    loader_problems = Problems()
    entries = _validate(where, header, texts, loader_problems)
    entries = check_entries(data, entries, loader_problems)

    # A cell already reported as stored wrongly is not reported again by the loaders.
    reported = {(item.location.line, item.location.field) for item in cell_problems}
    problems.extend(cell_problems)
    problems.extend(item for item in loader_problems
                    if (item.location.line, item.location.field) not in reported)
    rows = [row for row in texts if any(value.strip() for value in row)]
    return ImportedLedger(header, rows)


def _validate(where: str, header: list[str], texts: list[list[str]], problems: Problems) -> list:
    """Run the ledger CSV loader over the rows, one Excel row per CSV line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in texts:
        # A line break inside a cell would shift the CSV line numbers away from the Excel rows.
        writer.writerow([value.replace("\r", " ").replace("\n", " ") for value in row])
    with tempfile.TemporaryDirectory(prefix="dmsite-import-") as folder:
        path = Path(folder) / "ledger.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        entries, _ = read_ledger(path, where, problems)
    return entries


def _header_text(cell: Cell) -> str:
    return "" if cell.value is None else str(cell.value).strip()


def _cell_text(cell: Cell | None, title: str, location: Location, problems: Problems) -> str:
    """Return a cell's value as ledger CSV text; report formulas and codes stored as numbers or dates."""
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if cell.data_type == "f":
        problems.add("xlsx-formula", location, field=title, value=str(value))
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        text = value.date().isoformat() if isinstance(value, datetime.datetime) else value.isoformat()
        kind = "日期"
    elif isinstance(value, bool):
        text, kind = ("TRUE" if value else "FALSE"), "逻辑值"
    elif isinstance(value, float):
        # repr() gives the shortest text that reads back as the same float: 0.5, not 0.5000000000000001.
        text = repr(value)
        text = text[:-2] if text.endswith(".0") else text
        kind = "数字"
    else:
        text, kind = str(value), "数字"
    if title in _CODE_COLUMNS:
        # 2.10 stored as a number reads back as 2.1: report it instead of guessing the code.
        problems.add("xlsx-not-text", location, field=title, value=text, kind=kind)
    return text
