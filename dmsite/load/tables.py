"""Read the CSV files under scores/: units, ledgers and measures.

Every cell is validated here, so each message can name the file, the
physical line of the row and the column header. A row is either turned
into a record or reported; nothing is dropped without a message.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import Location, Problems
from ..model import ID_PATTERN, SYSTEMS, UNIT_TYPES, Entry, Measure, Unit
from .text import read_text

__all__ = [
    "LEDGER_COLUMNS",
    "MEASURE_COLUMNS",
    "UNIT_COLUMNS",
    "TableSpec",
    "parse_date",
    "parse_points",
    "read_ledger",
    "read_measures",
    "read_table",
    "read_units",
]


@dataclasses.dataclass(frozen=True)
class TableSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # Columns whose cells may be left blank.
    blank_ok: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def describe(self) -> str:
        return "、".join(self.required) + ("（可选：" + "、".join(self.optional) + "）" if self.optional else "")


# 片区 (a region such as a 街镇 or 片区) lets one large site be built in parts.
UNIT_COLUMNS = TableSpec(("编号", "名称", "类型"), ("标签", "片区"), blank_ok=("标签", "片区"))
LEDGER_COLUMNS = TableSpec(
    ("单位编号", "体系", "条目", "分值", "事由", "依据", "审核人", "日期"),
    ("状态", "规则", "备注"),
    blank_ok=("状态", "规则", "备注"),
)
MEASURE_COLUMNS = TableSpec(("单位编号", "体系", "指标", "数值"), ("月份", "备注"), blank_ok=("月份", "备注"))

Row = tuple[int, dict[str, str]]

_TAG_SPLIT = re.compile(r"[;；,，、\s]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_STATUSES = {"": False, "有效": False, "撤销": True}

DUPLICATE_MARK = "确认重复"
PERSONAL_DATA_MARK = "已核实非个人信息"
_PERSONAL_FIELDS = ("事由", "依据", "审核人")
# Mainland resident ID numbers (18 characters, last may be X) and mobile
# numbers (11 digits starting 13–19), not embedded in a longer digit run.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_cell(value: str) -> str:
    """Fold full-width ASCII (digits, letters, spaces) to half-width and trim spaces."""
    folded = "".join(_fold(char) for char in value)
    return folded.strip()


def _fold(char: str) -> str:
    code = ord(char)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E and unicodedata.category(char)[0] in "LN":
        return chr(code - 0xFEE0)
    if char in "\u00a0\u200b\ufeff":
        return " "
    return char


def read_table(path: Path, display: str, spec: TableSpec, problems: Problems,
               encodings: dict[str, str] | None = None) -> list[Row] | None:
    """Read a CSV file into (line, {header: cell}) rows, reporting every malformed row."""
    text = read_text(path, display, problems, encodings)
    if text is None:
        return None
    reader = csv.reader(text.splitlines(keepends=True) if text else [""])
    try:
        header_cells = next(reader)
    except StopIteration:
        header_cells = []
    header = [normalize_cell(cell) for cell in header_cells]
    # Excel leaves empty header cells after the last column; drop them.
    while header and header[-1] == "":
        header.pop()
    if not header:
        problems.add("csv-empty", Location(display, 1), expected=spec.describe())
        return None

    header_ok = True
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        location = Location(display, 1, index)
        if name in seen:
            problems.add("csv-header-duplicate", location, value=name)
            header_ok = False
        seen.add(name)
        if name not in spec.columns:
            close = difflib.get_close_matches(name, spec.columns, n=1, cutoff=0.4)
            suggestion = f"，是否应为「{close[0]}」" if close else ""
            problems.add("csv-header-unknown", location, value=name or "（空）", suggestion=suggestion,
                         expected=spec.describe())
            header_ok = False
    for name in spec.required:
        if name not in seen:
            problems.add("csv-header-missing", Location(display, 1), field=name, expected=spec.describe())
            header_ok = False
    if not header_ok:
        return None

    rows: list[Row] = []
    line = reader.line_num + 1
    for cells in reader:
        start = line
        line = reader.line_num + 1
        values = [normalize_cell(cell) for cell in cells]
        if not any(values):
            continue
        # Trailing empty cells are what Excel writes for blank columns.
        while len(values) > len(header) and values[-1] == "":
            values.pop()
        if len(values) > len(header):
            extra = len(header) + 1
            problems.add("csv-cell-count", Location(display, start, extra), actual=len(values), expected=len(header))
            continue
        if len(values) < len(header):
            problems.add("csv-cell-count", Location(display, start), actual=len(values), expected=len(header))
            continue
        record = dict(zip(header, values))
        missing = [name for name in spec.required if name not in spec.blank_ok and not record.get(name)]
        for name in missing:
            problems.add("csv-blank", Location(display, start, field=name), field=name)
        if missing:
            continue
        for name in spec.optional:
            record.setdefault(name, "")
        rows.append((start, record))
    return rows


def parse_points(text: str, field: str, location: Location, problems: Problems) -> Decimal | None:
    """Parse a non-negative score such as 1, 0.5 or 2分; report and return None otherwise."""
    cleaned = text.removesuffix("分").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        problems.add("csv-number", location, field=field, value=text)
        return None
    if not value.is_finite():
        problems.add("csv-number", location, field=field, value=text)
        return None
    if value.as_tuple().exponent < -2:
        problems.add("csv-decimals", location, field=field, value=text)
        return None
    if value < 0:
        problems.add("csv-negative", location, field=field, value=text)
        return None
    return value


def parse_date(text: str, location: Location, problems: Problems) -> datetime.date | None:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    if text.isdigit() and 20000 <= int(text) <= 80000:
        # Excel counts days from 1899-12-30 and shows that serial number when
        # a date cell is saved as a plain number.
        serial = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(text))
        problems.add("csv-date-serial", location, value=text, date=serial.isoformat())
        return None
    problems.add("csv-date", location, field="日期", value=text)
    return None


def read_units(path: Path, display: str, problems: Problems,
               encodings: dict[str, str] | None = None) -> list[Unit]:
    rows = read_table(path, display, UNIT_COLUMNS, problems, encodings)
    units: list[Unit] = []
    first_line: dict[str, int] = {}
    for line, record in rows or []:
        unit_id = record["编号"]
        if not ID_PATTERN.match(unit_id):
            problems.add("unit-bad-id", Location(display, line, field="编号"), value=unit_id)
            continue
        if unit_id in first_line:
            problems.add("unit-duplicate", Location(display, line, field="编号"), value=unit_id,
                         first_line=first_line[unit_id])
            continue
        if record["类型"] not in UNIT_TYPES:
            problems.add("unit-type", Location(display, line, field="类型"), value=record["类型"])
            continue
        first_line[unit_id] = line
        tags = tuple(tag for tag in _TAG_SPLIT.split(record["标签"]) if tag)
        units.append(Unit(unit_id, record["名称"], record["类型"], tags, line, record["片区"]))
    return units


def read_ledger(path: Path, display: str, problems: Problems,
                encodings: dict[str, str] | None = None) -> tuple[list[Entry], int]:
    """Read one ledger file. Returns its entries and the number of data rows read."""
    rows = read_table(path, display, LEDGER_COLUMNS, problems, encodings)
    if rows is None:
        return [], 0
    entries: list[Entry] = []
    first_line: dict[tuple[str, ...], int] = {}
    for line, record in rows:
        # Rows equal in every column but 备注 are duplicates unless the later
        # one is marked as a deliberate repeat.
        key = tuple(record[name] for name in LEDGER_COLUMNS.columns if name != "备注")
        if key in first_line and DUPLICATE_MARK not in record["备注"]:
            problems.add("csv-duplicate-row", Location(display, line), first_line=first_line[key])
            continue
        first_line.setdefault(key, line)
        if not _check_personal_data(record, display, line, problems):
            continue
        entry = _ledger_entry(record, display, line, problems)
        if entry is not None:
            entries.append(entry)
    return entries, len(rows)


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """Return (kind, masked value) for each ID-card or mobile number found in `text`.

    ID numbers must pass the ISO 7064 MOD 11-2 check digit, so that long
    document numbers are not mistaken for them.
    """
    found: list[tuple[str, str]] = []
    for match in _ID_NUMBER.finditer(text):
        value = match.group().upper()
        total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS))
        if _ID_CHECK[total % 11] == value[17]:
            found.append(("身份证号", value[:4] + "*" * 10 + value[-4:]))
    for match in _MOBILE.finditer(text):
        value = match.group()
        found.append(("手机号", value[:3] + "****" + value[-4:]))
    return found


def _check_personal_data(record: dict[str, str], display: str, line: int, problems: Problems) -> bool:
    if PERSONAL_DATA_MARK in record.get("备注", ""):
        return True
    clean = True
    for field in _PERSONAL_FIELDS:
        for kind, masked in find_personal_data(record[field]):
            problems.add("personal-data", Location(display, line, field=field), field=field, kind=kind,
                         value=masked)
            clean = False
    return clean


def _ledger_entry(record: dict[str, str], display: str, line: int, problems: Problems) -> Entry | None:
    def at(field: str) -> Location:
        return Location(display, line, field=field)

    ok = True
    system = record["体系"]
    if system not in SYSTEMS:
        problems.add("system-unknown", at("体系"), value=system)
        ok = False
    points = parse_points(record["分值"], "分值", at("分值"), problems)
    date = parse_date(record["日期"], at("日期"), problems)
    status = record["状态"]
    if status not in _STATUSES:
        problems.add("csv-status", at("状态"), value=status)
        ok = False
    if not ok or points is None or date is None:
        return None
    return Entry(
        unit=record["单位编号"],
        system=system,
        item=record["条目"],
        points=points,
        reason=record["事由"],
        evidence=record["依据"],
        reviewer=record["审核人"],
        date=date,
        withdrawn=_STATUSES[status],
        rule=record["规则"] or None,
        path=display,
        line=line,
    )


def read_measures(path: Path, display: str, problems: Problems, encodings: dict[str, str] | None = None
                  ) -> tuple[list[Measure], set[tuple[str, str, str]]]:
    """Read measures.csv. Returns the measures and the (unit, system, name) keys of rejected rows."""
    rows = read_table(path, display, MEASURE_COLUMNS, problems, encodings)
    measures: list[Measure] = []
    rejected: set[tuple[str, str, str]] = set()
    for line, record in rows or []:
        key = (record["单位编号"], record["体系"], record["指标"])
        before = len(problems.errors)
        measure = _measure(record, display, line, problems)
        if measure is None or len(problems.errors) > before:
            rejected.add(key)
            continue
        measures.append(measure)
    return measures, rejected


def _measure(record: dict[str, str], display: str, line: int, problems: Problems) -> Measure | None:
    if record["体系"] not in SYSTEMS:
        problems.add("system-unknown", Location(display, line, field="体系"), value=record["体系"])
        return None
    value = _parse_measure_value(record["数值"], Location(display, line, field="数值"), problems)
    month_text = record["月份"].removesuffix("月")
    month: int | None = None
    if month_text:
        if not month_text.isdigit() or not 1 <= int(month_text) <= 12:
            problems.add("measure-month", Location(display, line, field="月份"), value=record["月份"],
                         measure=record["指标"])
            return None
        month = int(month_text)
    if value is None:
        return None
    return Measure(record["单位编号"], record["体系"], record["指标"], month, value, display, line)


def _parse_measure_value(text: str, location: Location, problems: Problems) -> Decimal | None:
    cleaned = text.removesuffix("分").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        problems.add("csv-number", location, field="数值", value=text)
        return None
    if not value.is_finite():
        problems.add("csv-number", location, field="数值", value=text)
        return None
    return value
