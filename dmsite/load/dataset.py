"""Load a whole project: every year's rubrics, units, ledgers and measures.

Layout on disk (relative to the project root):

    rubrics/<year>/<rubric-id>.yml
    scores/<year>/units.csv
    scores/<year>/measures.csv        (optional)
    scores/<year>/ledgers/*.csv       (any number, any names)
    scores/<year>/objections.csv      (optional: objections raised during the public notice)

After each file has been read on its own, the records are checked against
each other: every ledger row must name a registered unit, a system whose
rubric applies to the unit's type, an item of that rubric and, where given,
a rule whose amount fits the points.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
import re
from collections import defaultdict
from pathlib import Path

from ..errors import Location, Problems, relative
from ..model import Entry, Item, Measure, Objection, Rubric, Unit
from .corrections import resolve_corrections
from .objections import check_objections, read_objections
from .rubrics import load_rubric
from .tables import DUPLICATE_MARK, read_ledger, read_measures, read_units

__all__ = ["Project", "YearData", "check_entries", "load_project"]


@dataclasses.dataclass
class YearData:
    """Validated input of one assessment year."""

    year: int
    rubrics: dict[str, Rubric]
    rubric_files: dict[str, str]
    units: dict[str, Unit]
    entries: list[Entry]
    measures: list[Measure]
    ledger_files: list[str]
    encodings: dict[str, str]
    rows_read: int = 0
    objections: list[Objection] = dataclasses.field(default_factory=list)
    # Lookups built on first use, because every ledger row needs them.
    _rubric_by_key: dict[tuple[str, str], Rubric | None] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)
    _item_index: dict[str, dict[str, Item]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)
    _measure_items: dict[str, dict[str, Item]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)

    def rubric_for(self, unit: Unit, system: str) -> Rubric | None:
        key = (unit.type, system)
        if key not in self._rubric_by_key:
            self._rubric_by_key[key] = next((rubric for rubric in self.rubrics.values()
                                             if rubric.system == system and unit.type in rubric.unit_types), None)
        return self._rubric_by_key[key]

    def item_of(self, rubric: Rubric, code: str) -> Item | None:
        """Return the item `code` of one of this year's rubrics, or None."""
        index = self._item_index.get(rubric.id)
        if index is None:
            index = self._item_index[rubric.id] = rubric.item_index()
        return index.get(code)

    def measures_of(self, rubric: Rubric) -> dict[str, Item]:
        """Return `rubric.measures()` for one of this year's rubrics, computed once."""
        found = self._measure_items.get(rubric.id)
        if found is None:
            found = self._measure_items[rubric.id] = rubric.measures()
        return found

    def rubrics_for(self, unit: Unit) -> list[Rubric]:
        return [rubric for rubric in self.rubrics.values() if unit.type in rubric.unit_types]

    def units_for(self, rubric: Rubric) -> list[Unit]:
        return [unit for unit in self.units.values() if unit.type in rubric.unit_types]

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.entries)


@dataclasses.dataclass
class Project:
    """All years found under a project root, with every problem found while loading."""

    root: Path
    years: dict[int, YearData]
    problems: Problems


def load_project(root: Path, rubrics_dir: str = "rubrics", scores_dir: str = "scores",
                 years: list[int] | None = None) -> Project:
    """Load and cross-check every year (or the given years) under `root`."""
    problems = Problems()
    rubrics_root = root / rubrics_dir
    scores_root = root / scores_dir
    if not rubrics_root.is_dir():
        problems.add("file-missing", Location(relative(rubrics_root, root)), path=relative(rubrics_root, root))
        return Project(root, {}, problems)
    found = sorted(int(path.name) for path in rubrics_root.iterdir() if path.is_dir() and path.name.isdigit())
    selected = [year for year in found if years is None or year in years]
    for year in years or []:
        if year not in found:
            problems.add("config-year", Location(relative(rubrics_root, root)), year=year,
                         detail=f"{rubrics_dir}/{year}/ 不存在")
    loaded: dict[int, YearData] = {}
    for year in selected:
        data = _load_year(root, rubrics_root / str(year), scores_root / str(year), year, problems)
        if data is not None:
            loaded[year] = data
    return Project(root, loaded, problems)


def _load_year(root: Path, rubric_dir: Path, score_dir: Path, year: int, problems: Problems) -> YearData | None:
    encodings: dict[str, str] = {}
    rubrics: dict[str, Rubric] = {}
    rubric_files: dict[str, str] = {}
    errors_before = len(problems.errors)
    for path in sorted(rubric_dir.glob("*.yml")) + sorted(rubric_dir.glob("*.yaml")):
        display = relative(path, root)
        rubric = load_rubric(path, display, problems)
        if rubric is None:
            continue
        if rubric.id in rubrics:
            problems.add("rubric-duplicate-id", Location(display, 1), id=rubric.id, other=rubric_files[rubric.id])
            continue
        rubrics[rubric.id] = rubric
        rubric_files[rubric.id] = display
    _check_rubric_overlap(rubrics, rubric_files, year, problems)

    if not score_dir.is_dir():
        problems.add("config-year", Location(relative(score_dir, root)), year=year,
                     detail=f"{relative(score_dir, root)}/ 不存在")
        return None
    units_path = score_dir / "units.csv"
    units_list = read_units(units_path, relative(units_path, root), problems, encodings)
    units = {unit.id: unit for unit in units_list}
    # With a broken rubric or unit registry every ledger row would be reported
    # again as a broken reference. The rows are still read cell by cell.
    cross_check = len(problems.errors) == errors_before
    if not cross_check:
        problems.notice(Location(relative(score_dir, root)),
                        "评分表或单位名册有错误，暂不核对台账和测量值中的单位、条目引用；修正后请重新校验")

    data = YearData(year, rubrics, rubric_files, units, [], [], [], encodings)
    seen_rows: dict[tuple, Entry] = {}
    for path in _ledger_paths(score_dir / "ledgers", root, problems):
        display = relative(path, root)
        entries, rows = read_ledger(path, display, problems, encodings)
        data.ledger_files.append(display)
        data.rows_read += rows
        entries = [entry for entry in entries if _first_of_its_kind(entry, seen_rows, problems)]
        if cross_check:
            data.entries.extend(entry for entry in entries if _check_entry(data, entry, problems))
    if cross_check:
        data.entries = resolve_corrections(data.entries, data.ledger_files, problems)

    measures_path = score_dir / "measures.csv"
    rejected: set[tuple[str, str, str]] = set()
    if measures_path.exists():
        measures, rejected = read_measures(measures_path, relative(measures_path, root), problems, encodings)
        if cross_check:
            data.measures = _check_measures(data, measures, rejected, problems)
    if cross_check:
        _check_measures_complete(data, relative(measures_path, root), rejected, problems)

    objections_path = score_dir / "objections.csv"
    if objections_path.exists():
        objections = read_objections(objections_path, relative(objections_path, root), problems, encodings)
        if cross_check:
            data.objections = check_objections(data, objections, problems)
    return data


_IGNORED_NAMES = (".gitkeep", ".keep", "README.md", "README.txt", "说明.txt")


def _ledger_paths(folder: Path, root: Path, problems: Problems) -> list[Path]:
    """List every ledger CSV under `folder`, subfolders included; report any other file.

    A file that is not read must not be passed over in silence: a workbook
    saved as .xlsx instead of CSV would otherwise drop all its rows.
    """
    if not folder.is_dir():
        return []
    paths: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name in _IGNORED_NAMES:
            continue
        if path.suffix.lower() == ".csv":
            paths.append(path)
        else:
            problems.add("ledger-not-csv", Location(relative(path, root)), suffix=path.suffix or "（无扩展名）")
    return paths


def _first_of_its_kind(entry: Entry, seen: dict[tuple, Entry], problems: Problems) -> bool:
    """Report a row equal in value to an earlier one, in this file or another, unless marked.

    Values are compared after parsing, so 1.5 and 1.50, or 2022-3-1 and
    2022-03-01, are the same; a copied ledger file is caught this way.
    """
    key = (entry.unit, entry.system, entry.item, entry.points.normalize(), entry.reason, entry.evidence,
           entry.reviewer, entry.date, entry.withdrawn, entry.rule, entry.corrects, entry.correction_note)
    first = seen.get(key)
    if first is None:
        seen[key] = entry
        return True
    if DUPLICATE_MARK in entry.remark:
        return True
    where = "本文件" if first.path == entry.path else f" {first.path} "
    problems.add("ledger-duplicate", Location(entry.path, entry.line), other=where, first_line=first.line)
    return False


def _check_rubric_overlap(rubrics: dict[str, Rubric], files: dict[str, str], year: int,
                          problems: Problems) -> None:
    owner: dict[tuple[str, str], str] = {}
    for rubric in rubrics.values():
        for unit_type in rubric.unit_types:
            key = (rubric.system, unit_type)
            if key in owner:
                problems.add("rubric-overlap", Location(files[rubric.id], 1), unit_type=unit_type, year=year,
                             system=rubric.system, first=owner[key], second=rubric.id)
            else:
                owner[key] = rubric.id


def check_entries(data: YearData, entries: list[Entry], problems: Problems) -> list[Entry]:
    """Cross-check ledger rows read from elsewhere (an imported workbook) against one year's data.

    Returns the rows that pass; the others are reported as `dmsite check` reports them.
    """
    return [entry for entry in entries if _check_entry(data, entry, problems)]


def _check_entry(data: YearData, entry: Entry, problems: Problems) -> bool:
    def at(field: str) -> Location:
        return Location(entry.path, entry.line, field=field)

    unit = data.units.get(entry.unit)
    if unit is None:
        _report_unknown_unit(data, entry.unit, at("单位编号"), problems)
        return False
    rubric = data.rubric_for(unit, entry.system)
    if rubric is None:
        problems.add("rubric-not-applicable", at("体系"), unit=unit.id, unit_type=unit.type, system=entry.system)
        return False
    item = data.item_of(rubric, entry.item)
    if item is None:
        _report_unknown_item(rubric, entry.item, at("条目"), problems)
        return False
    if item.computed:
        problems.add("item-computed", at("条目"), value=item.code)
        return False
    if item.applies_to and not set(item.applies_to) & set(unit.tags):
        problems.add("item-not-applicable", at("条目"), value=item.code, tags="、".join(item.applies_to),
                     unit=unit.id)
        return False
    # Rows of a year's assessment are dated that year, or early the next
    # year when the year-end review is recorded.
    if entry.date is not None and not data.year <= entry.date.year <= data.year + 1:
        problems.add("date-out-of-year", at("日期"), value=entry.date.isoformat(), year=data.year,
                     next=data.year + 1)
        return False
    return _check_rule(item, entry, problems)


_DATE_LIKE = re.compile(r"^(\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?|\d{1,2}月\d{1,2}日|\d{1,2}[-/]\d{1,2})$")


def _report_unknown_item(rubric: Rubric, code: str, location: Location, problems: Problems) -> None:
    """Report an unknown item code, recognising what Excel does to codes typed as numbers or dates."""
    if _DATE_LIKE.match(code):
        problems.add("item-excel-date", location, value=code)
        return
    # Excel reads "2.10" as the number 2.1 and drops the trailing zero.
    candidates = [known for known in rubric.item_index()
                  if "." in known and known != code and known.rstrip("0") == code]
    if candidates:
        problems.add("item-excel-number", location, value=code, rubric=rubric.id, candidate=candidates[0])
        return
    problems.add("item-unknown", location, value=code, rubric=rubric.id)


def _report_unknown_unit(data: YearData, unit_id: str, location: Location, problems: Problems) -> None:
    # Excel reads "007" as the number 7 and drops the leading zeros.
    if unit_id.isdigit():
        candidates = [known for known in data.units if known.lstrip("0") == unit_id and known != unit_id]
        if candidates:
            problems.add("unit-excel-number", location, value=unit_id, candidate=candidates[0])
            return
    problems.add("unit-unknown", location, value=unit_id)


def _check_rule(item: Item, entry: Entry, problems: Problems) -> bool:
    rule = item.match_rule(entry.rule, entry.points)
    limit = item.max
    if rule is not None and rule.discretionary and limit is not None and entry.points > limit:
        problems.add("rule-over-max", Location(entry.path, entry.line, field="分值"), value=entry.points,
                     item=item.code, max=limit)
        return False
    return _check_rule_amount(item, entry, problems)


def _check_rule_amount(item: Item, entry: Entry, problems: Problems) -> bool:
    def rules_text() -> str:
        # Built only for a message: most rows fit and never need it.
        return "；".join(f"{rule.id}（{rule.describe()}）" for rule in item.rules) or "（无）"

    if entry.rule is not None:
        rule = item.match_rule(entry.rule, entry.points)
        if rule is None:
            problems.add("rule-unknown", Location(entry.path, entry.line, field="规则"), value=entry.rule,
                         item=item.code, rules=rules_text())
            return False
        if rule.effect != "score" and entry.points != 0:
            problems.add("flag-points", Location(entry.path, entry.line, field="分值"), rule=rule.id,
                         value=entry.points)
            return False
        if not rule.fits(entry.points):
            problems.add("rule-mismatch", Location(entry.path, entry.line, field="分值"), value=entry.points,
                         item=item.code, rules=rules_text())
            return False
        return True
    if not item.rules:
        return True
    fitting = item.fitting_rules(entry.points)
    if not fitting:
        problems.add("rule-mismatch", Location(entry.path, entry.line, field="分值"), value=entry.points,
                     item=item.code, rules=rules_text())
        return False
    if len(fitting) > 1 and item.capped_rules:
        problems.add("rule-ambiguous", Location(entry.path, entry.line, field="规则"), value=entry.points,
                     item=item.code, rules="、".join(rule.id for rule in fitting))
        return False
    return True


def _check_measures(data: YearData, measures: list[Measure], rejected: set[tuple[str, str, str]],
                    problems: Problems) -> list[Measure]:
    """Keep the measures whose references are valid; add the keys of the others to `rejected`."""
    valid: list[Measure] = []
    first_line: dict[tuple[str, str, str, int | None], int] = {}
    for measure in measures:
        before = len(problems.errors)
        if _check_measure(data, measure, first_line, problems):
            valid.append(measure)
        elif len(problems.errors) > before:
            rejected.add((measure.unit, measure.system, measure.name))
    return valid


def _check_measure(data: YearData, measure: Measure, first_line: dict[tuple[str, str, str, int | None], int],
               problems: Problems) -> bool:
    def at(field: str) -> Location:
        return Location(measure.path, measure.line, field=field)

    unit = data.units.get(measure.unit)
    if unit is None:
        problems.add("unit-unknown", at("单位编号"), value=measure.unit)
        return False
    rubric = data.rubric_for(unit, measure.system)
    if rubric is None:
        problems.add("rubric-not-applicable", at("体系"), unit=unit.id, unit_type=unit.type,
                     system=measure.system)
        return False
    users = data.measures_of(rubric)
    item = users.get(measure.name)
    if item is None:
        problems.add("measure-unknown", at("指标"), value=measure.name, rubric=rubric.id,
                     expected="、".join(users) or "（本表不需要测量值）")
        return False
    if item.kind == "monthly" and measure.month is None:
        problems.add("measure-month", at("月份"), value="（空）", measure=measure.name)
        return False
    if item.kind != "monthly" and measure.month is not None:
        problems.add("measure-month-unexpected", at("月份"), value=measure.month, measure=measure.name)
        return False
    low, high = item.value_range or (Decimal(0), rubric.total if item.kind == "self_check" else None)
    if measure.value < low or (high is not None and measure.value > high):
        problems.add("measure-range", at("数值"), field="数值", value=measure.value, low=low,
                     high=high if high is not None else "∞")
        return False
    key = (measure.unit, measure.system, measure.name, measure.month)
    if key in first_line:
        problems.add("measure-duplicate", at("指标"), first_line=first_line[key])
        return False
    first_line[key] = measure.line
    return True


def _check_measures_complete(data: YearData, display: str, rejected: set[tuple[str, str, str]],
                             problems: Problems) -> None:
    """Report every unit that lacks a measure a computed item of its rubric needs.

    Measures whose rows were already rejected are not reported again.
    """
    present: dict[tuple[str, str, str], set[int | None]] = defaultdict(set)
    for measure in data.measures:
        present[(measure.unit, measure.system, measure.name)].add(measure.month)
    for unit in data.units.values():
        for rubric in data.rubrics_for(unit):
            for name, item in data.measures_of(rubric).items():
                if item.applies_to and not set(item.applies_to) & set(unit.tags):
                    continue
                if (unit.id, rubric.system, name) in rejected:
                    continue
                months = present.get((unit.id, rubric.system, name), set())
                if item.kind == "monthly":
                    missing = [month for month in range(1, 13) if month not in months]
                    detail = "（缺 " + "、".join(f"{month}月" for month in missing) + "）" if missing else ""
                else:
                    missing = [] if months else [None]
                    detail = ""
                if missing:
                    problems.add("measure-missing", Location(display), unit=unit.id, measure=name, detail=detail,
                                 path=display, rubric=rubric.id, item=item.code)
