"""Read the CSV files under scores/: units, ledgers and measures.

Every cell is validated here, so each message can name the file, the
physical line of the row and the column header. A row is either turned
into a record or reported; nothing is dropped without a message.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import operator
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
    ("状态", "规则", "备注", "更正", "更正说明"),
    blank_ok=("状态", "规则", "备注", "更正", "更正说明"),
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
_PERSONAL_FIELDS = ("事由", "依据", "审核人", "更正说明")
# Mainland resident ID numbers (18 characters, the last may be X, or the
# older 15 digits) and mobile numbers (11 digits starting 13–19, optionally
# after +86), allowing the spaces and hyphens people type inside them.
_SEP = r"[-\s]?"
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:" + _SEP + r"[0-9]){11}" + _SEP + r"[0-9Xx](?![0-9Xx])")
_OLD_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{14}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)86" + _SEP + r")?1[3-9][0-9](?:" + _SEP + r"[0-9]){8}(?![0-9])")
_FOLD_ALL = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# A necessary condition for all three patterns, on text not yet folded
# (full-width digits and hyphen included), searched before them.
_DIGIT_CHAIN = re.compile(r"[0-9０-９](?:[-\s－]?[0-9０-９]){10}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


# Full-width letters and digits become ASCII; the ideographic space, no-break
# space, zero-width space and a stray BOM become plain spaces. Full-width
# punctuation (，：（） …) is kept as written.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if unicodedata.category(chr(code))[0] in "LN"}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x200B: 0x20, 0xFEFF: 0x20})
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD)) + "]")


def fold_width(text: str) -> str:
    """Fold full-width ASCII letters and digits and odd spaces, as `_FOLD` lists."""
    return text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text


def normalize_cell(value: str) -> str:
    """Fold full-width ASCII (digits, letters, spaces) to half-width and trim spaces."""
    return fold_width(value).strip()


def read_table(path: Path, display: str, spec: TableSpec, problems: Problems,
               encodings: dict[str, str] | None = None) -> list[Row] | None:
    """Read a CSV file into (line, {header: cell}) rows, reporting every malformed row."""
    labels = encodings if encodings is not None else {}
    text = read_text(path, display, problems, labels)
    if text is None:
        return None
    # Folding the whole file at once is the same as folding each cell, since no
    # folded character becomes a comma, quote or line break, and much faster.
    text = fold_width(text)
    # Split on line feeds only: str.splitlines also breaks at U+2028, U+0085
    # and form feeds, which may sit inside a cell and would shift line numbers.
    reader = csv.reader(_lines(text))
    try:
        header_cells = next(reader)
    except (StopIteration, csv.Error):
        header_cells = []
    header = [cell.strip() for cell in header_cells]
    # Excel leaves empty header cells after the last column; drop them.
    while header and header[-1] == "":
        header.pop()
    if not header:
        problems.add("csv-empty", Location(display, 1), expected=spec.describe())
        return None

    if labels.get(display) == "GB18030/GBK" and not set(header) & set(spec.columns):
        problems.add("encoding-suspect", Location(display, 1))
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
    width = len(header)
    must_fill = [name for name in spec.required if name not in spec.blank_ok]
    absent = [name for name in spec.optional if name not in seen]
    line = reader.line_num + 1
    while True:
        start = line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # The csv module gives up on a cell longer than its field limit,
            # which in practice is an unclosed quote swallowing the rest of the file.
            problems.add("csv-quote", Location(display, start), end="文件末尾")
            break
        line = reader.line_num + 1
        if line - start > 1 and _swallowed_rows(cells, width):
            problems.add("csv-quote", Location(display, start), end=f"第 {line - 1} 行")
            continue
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue
        # Trailing empty cells are what Excel writes for blank columns.
        while len(values) > width and values[-1] == "":
            values.pop()
        if len(values) > width:
            problems.add("csv-cell-count", Location(display, start, width + 1), actual=len(values), expected=width)
            continue
        if len(values) < width:
            problems.add("csv-cell-count", Location(display, start), actual=len(values), expected=width)
            continue
        record = dict(zip(header, values))
        missing = [name for name in must_fill if not record[name]]
        for name in missing:
            problems.add("csv-blank", Location(display, start, field=name), field=name)
        if missing:
            continue
        for name in absent:
            record[name] = ""
        rows.append((start, record))
    return rows


def _lines(text: str) -> list[str]:
    if not text:
        return [""]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line + "\n" for line in lines]


def _swallowed_rows(cells: list[str], width: int) -> bool:
    """Tell whether a multi-line cell contains what look like whole CSV rows."""
    for cell in cells:
        if "\n" in cell:
            for inner in cell.split("\n")[1:]:
                if width > 2 and inner.count(",") >= width - 1:
                    return True
    return False


# Full-width punctuation that may appear in numbers, dates and codes typed in
# a Chinese input method: ．－／＋％：
_NUMERIC_FOLD = str.maketrans({"．": ".", "－": "-", "／": "/", "＋": "+", "％": "%", "：": ":", "。": "."})


def fold_numeric(text: str) -> str:
    """Fold the full-width punctuation of a number, date or code cell to ASCII."""
    return text.translate(_NUMERIC_FOLD)


# Points with at most two decimal places and no sign, unit or exponent.
_PLAIN_POINTS = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
# No rubric is worth more than 100 points, so no single row can be.
MAX_POINTS = Decimal(100)


def parse_points(text: str, field: str, location: Location, problems: Problems) -> Decimal | None:
    """Parse a non-negative score such as 1, 0.5 or 2分; report and return None otherwise."""
    cleaned = fold_numeric(text).removesuffix("分").strip()
    if _PLAIN_POINTS.fullmatch(cleaned):
        value = Decimal(cleaned)
    elif re.fullmatch(r"[0-9]+\.[0-9]{3,}", cleaned):
        problems.add("csv-decimals", location, field=field, value=text)
        return None
    elif re.fullmatch(r"-[0-9]+(?:\.[0-9]+)?", cleaned):
        problems.add("csv-negative", location, field=field, value=text)
        return None
    else:
        # Exponents (1e2), digit separators (1_0), signs and words are all
        # rejected: Decimal would accept the first two silently.
        problems.add("csv-number", location, field=field, value=text)
        return None
    if value > MAX_POINTS:
        problems.add("csv-points-range", location, field=field, value=text, high=MAX_POINTS)
        return None
    return value


def parse_date(text: str, location: Location, problems: Problems) -> datetime.date | None:
    parsed = _match_date(text)
    if parsed is not None:
        return parsed
    if text.isdigit() and 20000 <= int(text) <= 80000:
        # Excel counts days from 1899-12-30 and shows that serial number when
        # a date cell is saved as a plain number.
        serial = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(text))
        problems.add("csv-date-serial", location, value=text, date=serial.isoformat())
        return None
    problems.add("csv-date", location, field="日期", value=text)
    return None


@functools.lru_cache(maxsize=4096)
def _match_date(text: str) -> datetime.date | None:
    # A year's ledger contains a few hundred distinct dates, so most rows hit the cache.
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                return None
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


_DUPLICATE_KEY = operator.itemgetter(*(name for name in LEDGER_COLUMNS.columns if name != "备注"))


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
        key = _DUPLICATE_KEY(record)
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

    18-character ID numbers must pass the ISO 7064 MOD 11-2 check digit and
    15-digit ones must contain a valid birth date, so that long document
    numbers are rarely mistaken for them.
    """
    folded = text.translate(_FOLD_ALL)
    found: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for match in _ID_NUMBER.finditer(folded):
        value = re.sub(r"[-\s]", "", match.group()).upper()
        total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS))
        if _ID_CHECK[total % 11] == value[17]:
            found.append(("身份证号", value[:4] + "*" * 10 + value[-4:]))
            taken.append(match.span())
    for match in _OLD_ID_NUMBER.finditer(folded):
        value = match.group()
        try:
            datetime.date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
        except ValueError:
            continue
        found.append(("身份证号", value[:4] + "*" * 7 + value[-4:]))
    for match in _MOBILE.finditer(folded):
        # Digits already reported as part of an ID number are not a phone number too.
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        value = re.sub(r"[-\s]", "", match.group())[-11:]
        found.append(("手机号", value[:3] + "****" + value[-4:]))
    return found


def _check_personal_data(record: dict[str, str], display: str, line: int, problems: Problems) -> bool:
    if PERSONAL_DATA_MARK in record.get("备注", ""):
        return True
    clean = True
    for field in _PERSONAL_FIELDS:
        # Every pattern needs a chain of at least 11 digits, each after at most
        # one space or hyphen; most cells (dates, document numbers) have none.
        if not _DIGIT_CHAIN.search(record[field]):
            continue
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
    # The common well-formed cells are parsed without building a Location.
    points_text = record["分值"]
    points = (Decimal(points_text) if len(points_text) <= 2 and _PLAIN_POINTS.fullmatch(points_text)
              else parse_points(points_text, "分值", at("分值"), problems))
    date_text = fold_numeric(record["日期"])
    date = _match_date(date_text) or parse_date(date_text, at("日期"), problems)
    status = record["状态"]
    if status not in _STATUSES:
        problems.add("csv-status", at("状态"), value=status)
        ok = False
    if not ok or points is None or date is None:
        return None
    return Entry(
        unit=record["单位编号"],
        system=system,
        item=fold_numeric(record["条目"]),
        points=points,
        reason=record["事由"],
        evidence=record["依据"],
        reviewer=record["审核人"],
        date=date,
        withdrawn=_STATUSES[status],
        rule=record["规则"] or None,
        path=display,
        line=line,
        corrects=record["更正"] or None,
        correction_note=record["更正说明"],
        remark=record["备注"],
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
