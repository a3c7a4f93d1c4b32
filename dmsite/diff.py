"""Compare the scores and the data of two versions of a project.

Pure functions over loaded and scored data: no Git, no files. The result
lists, per year, every unit score whose total, rank, grade or flags changed,
every ledger row added, withdrawn (撤销), restored, edited, corrected (更正)
or deleted, and every change to rubrics, measures and the unit registry.
`render_markdown` writes it as a Chinese pull-request comment and
`to_json` as JSON-ready data; decimals are exact and shown unrounded.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .load.dataset import YearData
from .model import Entry, Rubric, Unit
from .pages.markdown import escape_markdown
from .scoring import Flag, RubricScore, YearScores

__all__ = ["Diff", "MeasureChange", "RowChange", "RubricChange", "ScoreDelta", "UnitChange", "compare",
           "render_markdown", "to_json"]

Scored = Sequence[tuple[YearData, YearScores]]

FLAG_LABELS = {"exclude_excellence": "不列入优秀", "veto": "一票否决"}
ROW_CHANGE_LABELS = {
    "added": "新增",
    "withdrawn": "撤销",
    "restored": "恢复",
    "edited": "修改",
    "corrected": "更正",
    "removed": "删除",
}
# Ledger fields compared between versions, with their column names.
ROW_FIELDS = (
    ("unit", "单位编号"), ("system", "体系"), ("item", "条目"), ("points", "分值"), ("reason", "事由"),
    ("evidence", "依据"), ("reviewer", "审核人"), ("date", "日期"), ("rule", "规则"), ("withdrawn", "状态"),
    ("corrects", "更正"), ("correction_note", "更正说明"), ("remark", "备注"),
)
# Rows in one changed block are paired as edits when they share unit and
# system and at least _PAIR_MIN_EQUAL of these fields. The other fields are
# mostly blank, so comparing them would make unrelated rows look alike.
_PAIR_FIELDS = ("item", "points", "reason", "evidence", "reviewer", "date")
_PAIR_MIN_EQUAL = 4


@dataclasses.dataclass(frozen=True)
class ScoreDelta:
    """One unit's score against one rubric in both versions; None where it does not exist."""

    year: int
    unit: str
    unit_name: str
    rubric: str
    system: str
    before: Decimal | None
    after: Decimal | None
    rank_before: int | None
    rank_after: int | None
    rank_of_before: int | None
    rank_of_after: int | None
    grade_before: str | None
    grade_after: str | None
    flags_added: tuple[Flag, ...]
    flags_removed: tuple[Flag, ...]

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclasses.dataclass(frozen=True)
class RowChange:
    """A ledger row added, withdrawn, restored, edited, corrected or deleted."""

    year: int
    kind: str
    before: Entry | None
    after: Entry | None
    # (column name, old value, new value) for edited rows.
    fields: tuple[tuple[str, str, str], ...] = ()

    @property
    def row(self) -> Entry:
        row = self.after or self.before
        assert row is not None
        return row


@dataclasses.dataclass(frozen=True)
class ItemChange:
    code: str
    kind: str  # added, removed, max, kind, rules, applies_to
    before: str
    after: str


@dataclasses.dataclass(frozen=True)
class RubricChange:
    year: int
    rubric: str
    title: str
    kind: str  # added, removed, changed
    total: tuple[Decimal, Decimal] | None
    items: tuple[ItemChange, ...]


@dataclasses.dataclass(frozen=True)
class MeasureChange:
    year: int
    unit: str
    system: str
    name: str
    month: int | None
    before: Decimal | None
    after: Decimal | None


@dataclasses.dataclass(frozen=True)
class UnitChange:
    year: int
    kind: str  # added, removed, changed
    before: Unit | None
    after: Unit | None


@dataclasses.dataclass
class Diff:
    base: str
    head: str
    years: list[int]
    scores: list[ScoreDelta]
    rows: list[RowChange]
    rubrics: list[RubricChange]
    measures: list[MeasureChange]
    units: list[UnitChange]

    @property
    def empty(self) -> bool:
        return not (self.scores or self.rows or self.rubrics or self.measures or self.units)

    def row_counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in ROW_CHANGE_LABELS}
        for change in self.rows:
            counts[change.kind] += 1
        return counts


def compare(before: Scored, after: Scored, base: str = "", head: str = "") -> Diff:
    """Compare two scored versions year by year."""
    old = {data.year: (data, scores) for data, scores in before}
    new = {data.year: (data, scores) for data, scores in after}
    diff = Diff(base, head, sorted(old.keys() | new.keys()), [], [], [], [], [])
    for year in diff.years:
        old_data, old_scores = old.get(year, (None, None))
        new_data, new_scores = new.get(year, (None, None))
        diff.scores.extend(_compare_scores(year, old_scores, new_scores))
        diff.rows.extend(_compare_rows(year, old_data, new_data))
        diff.rubrics.extend(_compare_rubrics(year, old_data, new_data))
        diff.measures.extend(_compare_measures(year, old_data, new_data))
        diff.units.extend(_compare_units(year, old_data, new_data))
    return diff


def _compare_scores(year: int, old: YearScores | None, new: YearScores | None) -> list[ScoreDelta]:
    def index(scores: YearScores | None) -> dict[tuple[str, str], RubricScore]:
        if scores is None:
            return {}
        return {(score.unit.id, score.rubric.id): score for ranked in scores.by_rubric.values() for score in ranked}

    before, after = index(old), index(new)
    deltas: list[ScoreDelta] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        flags_a = {_flag_key(flag): flag for flag in (a.flags if a else ())}
        flags_b = {_flag_key(flag): flag for flag in (b.flags if b else ())}
        delta = ScoreDelta(
            year, key[0], (b or a).unit.name, key[1], (b or a).rubric.system,  # type: ignore[union-attr]
            a.total if a else None, b.total if b else None,
            a.rank if a else None, b.rank if b else None,
            a.rank_of if a else None, b.rank_of if b else None,
            a.grade if a else None, b.grade if b else None,
            tuple(flag for k, flag in flags_b.items() if k not in flags_a),
            tuple(flag for k, flag in flags_a.items() if k not in flags_b),
        )
        unchanged = (delta.before == delta.after and delta.rank_before == delta.rank_after
                     and delta.grade_before == delta.grade_after and not delta.flags_added
                     and not delta.flags_removed)
        if not unchanged:
            deltas.append(delta)
    return deltas


def _flag_key(flag: Flag) -> tuple[str, str, str]:
    # A flag's source names a line, which moves when rows are inserted above it.
    return (flag.kind, flag.item, flag.cause)


def _row_values(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name, _ in ROW_FIELDS)


def _compare_rows(year: int, old: YearData | None, new: YearData | None) -> list[RowChange]:
    def by_file(data: YearData | None) -> dict[str, list[Entry]]:
        files: dict[str, list[Entry]] = defaultdict(list)
        for entry in sorted(data.entries if data else [], key=lambda entry: entry.line):
            files[entry.path].append(entry)
        return files

    before, after = by_file(old), by_file(new)
    changes: list[RowChange] = []
    for path in sorted(before.keys() | after.keys()):
        rows_a, rows_b = before.get(path, []), after.get(path, [])
        matcher = difflib.SequenceMatcher(None, [_row_values(e) for e in rows_a], [_row_values(e) for e in rows_b],
                                          autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                changes.extend(_block_changes(year, rows_a[i1:i2], rows_b[j1:j2]))
    return sorted(changes, key=lambda change: (change.row.path, change.row.line, change.kind))


def _block_changes(year: int, removed: list[Entry], added: list[Entry]) -> list[RowChange]:
    """Pair the rows of one changed block into edits; the rest were added or deleted."""
    changes: list[RowChange] = []
    unpaired = list(added)
    for old in removed:
        candidates = [(_equal_fields(old, new), index) for index, new in enumerate(unpaired)
                      if (new.unit, new.system) == (old.unit, old.system)]
        best = max(candidates, default=None)
        if best is None or best[0] < _PAIR_MIN_EQUAL:
            changes.append(RowChange(year, "removed", old, None))
            continue
        new = unpaired.pop(best[1])
        changes.append(_edit(year, old, new))
    for new in unpaired:
        changes.append(RowChange(year, "corrected" if new.corrects else "added", None, new))
    return changes


def _equal_fields(a: Entry, b: Entry) -> int:
    return sum(1 for name in _PAIR_FIELDS if getattr(a, name) == getattr(b, name))


def _edit(year: int, old: Entry, new: Entry) -> RowChange:
    fields = tuple((label, _field_text(name, getattr(old, name)), _field_text(name, getattr(new, name)))
                   for name, label in ROW_FIELDS if getattr(old, name) != getattr(new, name))
    # Withdrawing a row often comes with a note in 备注; it is still a withdrawal.
    labels = {label for label, _, _ in fields}
    if "状态" in labels and labels <= {"状态", "备注"}:
        return RowChange(year, "withdrawn" if new.withdrawn else "restored", old, new, fields)
    return RowChange(year, "edited", old, new, fields)


def _field_text(name: str, value: Any) -> str:
    if name == "withdrawn":
        return "撤销" if value else "有效"
    if name == "corrects" and value:
        return _short_source(value)
    if isinstance(value, Decimal):
        return plain(value)
    return "" if value is None else str(value)


def _compare_rubrics(year: int, old: YearData | None, new: YearData | None) -> list[RubricChange]:
    before = old.rubrics if old else {}
    after = new.rubrics if new else {}
    changes: list[RubricChange] = []
    for rubric_id in sorted(before.keys() | after.keys()):
        a, b = before.get(rubric_id), after.get(rubric_id)
        if a is None or b is None:
            kind = "added" if a is None else "removed"
            rubric = b or a
            assert rubric is not None
            changes.append(RubricChange(year, rubric_id, rubric.title, kind, None, ()))
            continue
        total = (a.total, b.total) if a.total != b.total else None
        items = _compare_items(a, b)
        if total or items:
            changes.append(RubricChange(year, rubric_id, b.title, "changed", total, items))
    return changes


def _compare_items(a: Rubric, b: Rubric) -> tuple[ItemChange, ...]:
    old, new = a.item_index(), b.item_index()
    changes: list[ItemChange] = []
    for code in _code_order([*old, *new]):
        x, y = old.get(code), new.get(code)
        if x is None or y is None:
            item = y or x
            assert item is not None
            text = " ".join(item.text.split())
            changes.append(ItemChange(code, "added" if x is None else "removed", "" if y else text, text if y else ""))
            continue
        if x.max != y.max:
            changes.append(ItemChange(code, "max", _optional(x.max), _optional(y.max)))
        if x.kind != y.kind:
            changes.append(ItemChange(code, "kind", x.kind, y.kind))
        rules_x = "；".join(f"{rule.id} {rule.describe()}" for rule in x.rules)
        rules_y = "；".join(f"{rule.id} {rule.describe()}" for rule in y.rules)
        if rules_x != rules_y:
            changes.append(ItemChange(code, "rules", rules_x, rules_y))
        if x.applies_to != y.applies_to:
            changes.append(ItemChange(code, "applies_to", "、".join(x.applies_to), "、".join(y.applies_to)))
    return tuple(changes)


def _code_order(codes: list[str]) -> list[str]:
    def key(code: str) -> tuple:
        return tuple(int(part) if part.isdigit() else part for part in code.split("."))

    return sorted(set(codes), key=lambda code: (key(code), code))


def _optional(value: Decimal | None) -> str:
    return "" if value is None else plain(value)


def _compare_measures(year: int, old: YearData | None, new: YearData | None) -> list[MeasureChange]:
    def index(data: YearData | None) -> dict[tuple[str, str, str, int], Decimal]:
        return {(m.unit, m.system, m.name, m.month or 0): m.value for m in (data.measures if data else [])}

    before, after = index(old), index(new)
    return [MeasureChange(year, key[0], key[1], key[2], key[3] or None, before.get(key), after.get(key))
            for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def _compare_units(year: int, old: YearData | None, new: YearData | None) -> list[UnitChange]:
    before = old.units if old else {}
    after = new.units if new else {}
    changes: list[UnitChange] = []
    for unit_id in sorted(before.keys() | after.keys()):
        a, b = before.get(unit_id), after.get(unit_id)
        if a is None or b is None:
            changes.append(UnitChange(year, "added" if a is None else "removed", a, b))
        elif (a.name, a.type, a.tags) != (b.name, b.type, b.tags):
            changes.append(UnitChange(year, "changed", a, b))
    return changes


def plain(value: Decimal) -> str:
    """Write a decimal exactly, without exponent or trailing zeros (1.50 → 1.5)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def signed(value: Decimal) -> str:
    """Write a change with its sign: +1, −0.5 (a true minus sign, as on the site), 0."""
    if value > 0:
        return "+" + plain(value)
    if value < 0:
        return "−" + plain(-value)
    return "0"


def _short_source(source: str) -> str:
    return source.rsplit("/", 1)[-1]


# ---------------------------------------------------------------- Markdown


def render_markdown(diff: Diff) -> str:
    """Write the comparison as Markdown for a pull-request comment, in Chinese."""
    lines = [f"## 评分变更：{escape_markdown(diff.base)} → {escape_markdown(diff.head)}", ""]
    lines.append(_summary(diff))
    if diff.empty:
        return "\n".join(lines) + "\n"
    for year in diff.years:
        lines.extend(_year_markdown(diff, year))
    if diff.row_counts()["removed"]:
        lines.extend(["", "> **注意**：有台账行被删除。台账只应追加新行，作废的记录请把「状态」改为“撤销”；"
                          "删除或插入行会改变后面各行的行号，使其他行「更正」列的引用错位。"])
    return "\n".join(lines) + "\n"


def _summary(diff: Diff) -> str:
    if diff.empty:
        return "两个版本之间没有影响评分的改动。"
    counts = diff.row_counts()
    rows = "、".join(f"{label} {counts[kind]} 行" for kind, label in ROW_CHANGE_LABELS.items() if counts[kind])
    parts = [f"得分变化 {len(diff.scores)} 项"]
    parts.append(f"台账{rows}" if rows else "台账无改动")
    if diff.rubrics:
        parts.append(f"评分表改动 {len(diff.rubrics)} 张")
    if diff.measures:
        parts.append(f"测量值改动 {len(diff.measures)} 项")
    if diff.units:
        parts.append(f"单位名册改动 {len(diff.units)} 处")
    return "；".join(parts) + "。"


def _year_markdown(diff: Diff, year: int) -> list[str]:
    scores = [delta for delta in diff.scores if delta.year == year]
    rows = [change for change in diff.rows if change.year == year]
    rubrics = [change for change in diff.rubrics if change.year == year]
    measures = [change for change in diff.measures if change.year == year]
    units = [change for change in diff.units if change.year == year]
    if not (scores or rows or rubrics or measures or units):
        return []
    lines = ["", f"### {year} 年度"]
    if scores:
        lines += ["", f"#### 得分变化（{len(scores)} 项）", "",
                  "| 单位 | 体系（评分表） | 原得分 | 新得分 | 变化 | 同类排名 | 等次 | 标记 |",
                  "| --- | --- | ---: | ---: | ---: | --- | --- | --- |"]
        lines += [_score_line(delta) for delta in scores]
    if rows:
        lines += ["", f"#### 台账变动（{len(rows)} 行）", "",
                  "| 变动 | 位置 | 单位 | 体系 | 条目 | 分值 | 事由 | 说明 |",
                  "| --- | --- | --- | --- | --- | ---: | --- | --- |"]
        lines += [_row_line(change) for change in rows]
    if rubrics:
        lines += ["", "#### 评分表变动", ""]
        lines += [_rubric_line(change) for change in rubrics]
    if measures:
        lines += ["", f"#### 测量值变动（{len(measures)} 项）", "",
                  "| 单位 | 体系 | 指标 | 月份 | 原值 | 新值 |", "| --- | --- | --- | --- | ---: | ---: |"]
        lines += [f"| {_md(m.unit)} | {m.system} | {_md(m.name)} | {m.month or '—'} | "
                  f"{'—' if m.before is None else plain(m.before)} | {'—' if m.after is None else plain(m.after)} |"
                  for m in measures]
    if units:
        lines += ["", "#### 单位名册变动", ""]
        lines += [_unit_line(change) for change in units]
    return lines


def _md(text: str) -> str:
    return str(escape_markdown(text))


def _score_line(delta: ScoreDelta) -> str:
    before = "—" if delta.before is None else plain(delta.before)
    after = "—" if delta.after is None else plain(delta.after)
    if delta.before is None:
        change = "新增"
    elif delta.after is None:
        change = "移除"
    else:
        change = signed(delta.change or Decimal(0))
    grade = (delta.grade_before or "—") if delta.grade_before == delta.grade_after else \
        f"{delta.grade_before or '—'} → {delta.grade_after or '—'}"
    flags = [f"新增 {_flag_text(flag)}" for flag in delta.flags_added]
    flags += [f"解除 {_flag_text(flag)}" for flag in delta.flags_removed]
    return (f"| {_md(delta.unit_name)}（{_md(delta.unit)}） | {delta.system}（{_md(delta.rubric)}） | {before} | "
            f"{after} | {change} | {_rank_text(delta)} | {grade} | {'；'.join(flags) or '—'} |")


def _rank_text(delta: ScoreDelta) -> str:
    a, b = delta.rank_before, delta.rank_after
    if a is None or b is None:
        rank = a if b is None else b
        of = delta.rank_of_before if b is None else delta.rank_of_after
        return "—" if rank is None else f"{rank}/{of}"
    if a == b:
        return f"{b}/{delta.rank_of_after}（不变）"
    movement = f"上升 {a - b} 位" if b < a else f"下降 {b - a} 位"
    return f"{a}/{delta.rank_of_before} → {b}/{delta.rank_of_after}（{movement}）"


def _flag_text(flag: Flag) -> str:
    return f"{FLAG_LABELS.get(flag.kind, flag.kind)}（条目 {_md(flag.item)}：{_md(flag.cause)}）"


def _row_line(change: RowChange) -> str:
    row = change.row
    where = f"{_md(_short_source(row.path))} 第 {row.line} 行"
    if change.kind in ("edited", "withdrawn", "restored") and change.before and change.before.line != row.line:
        where += f"（原第 {change.before.line} 行）"
    note = _row_note(change)
    return (f"| {ROW_CHANGE_LABELS[change.kind]} | {where} | {_md(row.unit)} | {row.system} | {_md(row.item)} | "
            f"{plain(row.points)} | {_md(row.reason)} | {note} |")


def _row_note(change: RowChange) -> str:
    row = change.row
    if change.kind == "edited":
        return "；".join(f"{label}：{_md(old) or '（空）'} → {_md(new) or '（空）'}"
                        for label, old, new in change.fields)
    if change.kind == "corrected":
        return f"更正 {_md(_short_source(row.corrects or ''))}：{_md(row.correction_note)}"
    parts = [f"审核人 {_md(row.reviewer)}，{row.date.isoformat() if row.date else ''}"]
    if change.kind in ("withdrawn", "restored", "removed") and row.remark:
        parts.append(f"备注：{_md(row.remark)}")
    if change.kind == "removed":
        parts.append("整行删除")
    return "；".join(parts)


_ITEM_CHANGE_LABELS = {"max": "满分", "kind": "计分方式", "rules": "扣分规则", "applies_to": "适用标签"}


def _rubric_line(change: RubricChange) -> str:
    head = f"- {_md(change.rubric)}（{_md(change.title)}）"
    if change.kind == "added":
        return head + "：新增评分表"
    if change.kind == "removed":
        return head + "：删除评分表"
    parts = []
    if change.total:
        parts.append(f"总分 {plain(change.total[0])} → {plain(change.total[1])}")
    for item in change.items:
        if item.kind == "added":
            parts.append(f"新增条目 {_md(item.code)}「{_md(_clip(item.after))}」")
        elif item.kind == "removed":
            parts.append(f"删除条目 {_md(item.code)}「{_md(_clip(item.before))}」")
        else:
            label = _ITEM_CHANGE_LABELS[item.kind]
            before, after = _md(item.before) or "（无）", _md(item.after) or "（无）"
            parts.append(f"条目 {_md(item.code)} {label} {before} → {after}")
    return head + "：" + "；".join(parts)


def _clip(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def _unit_line(change: UnitChange) -> str:
    if change.kind == "added" and change.after:
        unit = change.after
        return f"- 新增单位 {_md(unit.id)} {_md(unit.name)}（{unit.type}）"
    if change.kind == "removed" and change.before:
        unit = change.before
        return f"- 删除单位 {_md(unit.id)} {_md(unit.name)}（{unit.type}）"
    assert change.before and change.after
    a, b = change.before, change.after
    parts = []
    if a.name != b.name:
        parts.append(f"名称 {_md(a.name)} → {_md(b.name)}")
    if a.type != b.type:
        parts.append(f"类型 {a.type} → {b.type}")
    if a.tags != b.tags:
        parts.append(f"标签 {_md('、'.join(a.tags)) or '（无）'} → {_md('、'.join(b.tags)) or '（无）'}")
    return f"- 单位 {_md(b.id)}：" + "；".join(parts)


# ---------------------------------------------------------------- JSON


def to_json(diff: Diff) -> dict[str, Any]:
    """Describe the comparison as JSON-ready data; decimals become strings."""
    return {
        "base": diff.base,
        "head": diff.head,
        "summary": {"scores": len(diff.scores), "ledger": diff.row_counts(), "rubrics": len(diff.rubrics),
                    "measures": len(diff.measures), "units": len(diff.units)},
        "scores": [_score_json(delta) for delta in diff.scores],
        "ledger": [_row_json(change) for change in diff.rows],
        "rubrics": [_rubric_json(change) for change in diff.rubrics],
        "measures": [{"year": m.year, "unit": m.unit, "system": m.system, "name": m.name, "month": m.month,
                      "before": _number(m.before), "after": _number(m.after)} for m in diff.measures],
        "units": [{"year": u.year, "change": u.kind, "before": _unit_json(u.before), "after": _unit_json(u.after)}
                  for u in diff.units],
    }


def _number(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _score_json(delta: ScoreDelta) -> dict[str, Any]:
    def flags(items: tuple[Flag, ...]) -> list[dict[str, str]]:
        return [{"kind": flag.kind, "item": flag.item, "cause": flag.cause} for flag in items]

    return {
        "year": delta.year, "unit": delta.unit, "unit_name": delta.unit_name, "rubric": delta.rubric,
        "system": delta.system, "before": _number(delta.before), "after": _number(delta.after),
        "change": _number(delta.change), "rank_before": delta.rank_before, "rank_after": delta.rank_after,
        "rank_of_before": delta.rank_of_before, "rank_of_after": delta.rank_of_after,
        "grade_before": delta.grade_before, "grade_after": delta.grade_after,
        "flags_added": flags(delta.flags_added), "flags_removed": flags(delta.flags_removed),
    }


def _entry_json(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "source": entry.source, "unit": entry.unit, "system": entry.system, "item": entry.item,
        "points": plain(entry.points), "reason": entry.reason, "evidence": entry.evidence,
        "reviewer": entry.reviewer, "date": entry.date.isoformat() if entry.date else None,
        "withdrawn": entry.withdrawn, "rule": entry.rule, "corrects": entry.corrects,
        "correction_note": entry.correction_note, "remark": entry.remark,
    }


def _row_json(change: RowChange) -> dict[str, Any]:
    return {"year": change.year, "change": change.kind, "before": _entry_json(change.before),
            "after": _entry_json(change.after),
            "fields": [{"field": label, "before": old, "after": new} for label, old, new in change.fields]}


def _rubric_json(change: RubricChange) -> dict[str, Any]:
    return {
        "year": change.year, "rubric": change.rubric, "title": change.title, "change": change.kind,
        "total": None if change.total is None else {"before": plain(change.total[0]), "after": plain(change.total[1])},
        "items": [{"code": item.code, "change": item.kind, "before": item.before, "after": item.after}
                  for item in change.items],
    }


def _unit_json(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.id, "name": unit.name, "type": unit.type, "tags": list(unit.tags)}
