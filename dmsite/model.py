"""Validated data models: rubrics (from YAML) and ledger records (from CSV).

Rubrics are pydantic models because their YAML is nested and written by hand.
Ledger rows, units and measures are plain frozen dataclasses built by the CSV
loader, which validates each cell itself so that it can name the row and the
column header in its messages.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

__all__ = [
    "SYSTEMS",
    "UNIT_TYPES",
    "CapGroup",
    "Category",
    "Entry",
    "Indicator",
    "Item",
    "Measure",
    "Note",
    "Objection",
    "Rubric",
    "Rule",
    "Tier",
    "Unit",
]

# The four responsibility systems, in the order the office lists them.
SYSTEMS = ("基层党建", "党风廉政", "意识形态", "法治建设")
UNIT_TYPES = ("机关部门", "事业单位", "居民区", "两新组织")

# Ids become URL path segments, so they are restricted to a safe alphabet.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

Points = Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)]
Code = Annotated[StrictStr, Field(min_length=1, max_length=32)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Rule(_Strict):
    """One named amount inside an item's scoring text.

    Exactly one amount form is set: `fixed` (扣1分), `per` (每次扣2分,
    每项得3分, 每少一次扣1分), `range` (视情扣1-3分), `per_range` (每次扣0.5-2分)
    or `discretionary` (酌情扣分, 加重扣分: any amount up to the item's maximum).
    Flag rules (`effect` other than score) carry no amount.
    """

    id: Code
    text: StrictStr
    fixed: Points | None = None
    per: Points | None = None
    range: tuple[Points, Points] | None = None
    per_range: tuple[Points, Points] | None = None
    discretionary: bool = False
    cap: Points | None = None
    effect: Literal["score", "exclude_excellence", "veto"] = "score"

    @model_validator(mode="after")
    def _one_amount(self) -> Rule:
        forms = [self.fixed is not None, self.per is not None, self.range is not None,
                 self.per_range is not None, self.discretionary]
        if self.effect != "score":
            if any(forms):
                raise ValueError("标记类规则（不列入优秀、一票否决）不能带分值")
            return self
        if sum(forms) != 1:
            raise ValueError("每条规则必须且只能写一种分值：fixed、per、range、per_range 或 discretionary")
        for pair in (self.range, self.per_range):
            if pair is not None and pair[0] > pair[1]:
                raise ValueError(f"区间下限 {pair[0]} 大于上限 {pair[1]}")
        return self

    def describe(self) -> str:
        """Return the amount in Chinese, as shown next to the rule text."""
        if self.effect == "exclude_excellence":
            return "不列入优秀名单"
        if self.effect == "veto":
            return "一票否决（本条目计 0 分）"
        if self.fixed is not None:
            text = f"{_plain(self.fixed)} 分"
        elif self.per is not None:
            text = f"每次 {_plain(self.per)} 分"
        elif self.range is not None:
            text = f"{_plain(self.range[0])}–{_plain(self.range[1])} 分"
        elif self.per_range is not None:
            text = f"每次 {_plain(self.per_range[0])}–{_plain(self.per_range[1])} 分"
        else:
            text = "酌情"
        if self.cap is not None:
            text += f"，最多 {_plain(self.cap)} 分"
        return text

    def fits(self, points: Decimal) -> bool:
        """Tell whether one ledger row's points fit this rule's amount."""
        if self.effect != "score":
            return points == 0
        if points <= 0:
            return False
        if self.fixed is not None:
            return points == self.fixed
        if self.per is not None:
            return (points % self.per) == 0
        if self.range is not None:
            return self.range[0] <= points <= self.range[1]
        if self.per_range is not None:
            return points >= self.per_range[0]
        return True


class Tier(_Strict):
    """One band of a measured value and the points it earns.

    A bound left out is open. `min_inclusive`/`max_inclusive` follow the
    table's wording: 含/以上 include the bound, 不含/低于/超过 exclude it.
    """

    label: StrictStr
    min: Decimal | None = None
    min_inclusive: bool = True
    max: Decimal | None = None
    max_inclusive: bool = False
    points: Points

    def contains(self, value: Decimal) -> bool:
        if self.min is not None:
            if value < self.min or (value == self.min and not self.min_inclusive):
                return False
        if self.max is not None:
            if value > self.max or (value == self.max and not self.max_inclusive):
                return False
        return True


ItemKind = Literal["deduction", "award", "tiers", "self_check", "monthly", "penalty"]


class Item(_Strict):
    """A scored row of the table.

    Kinds: `deduction` starts at `max` and loses points down to zero;
    `award` starts at zero and earns points up to `max` or its cap group;
    `tiers` takes its points from the tier a measured value falls in;
    `self_check` loses `penalty` when the self-assessed total differs from
    the reviewer's total by more than `gap_over`; `monthly` loses `per_month`
    for each month whose measured value is below `threshold`, and excludes
    the unit from excellence when the annual average is below it;
    `penalty` works like `deduction` but is shown as an adjustment to the
    total (惩戒分).
    """

    code: Code
    text: StrictStr
    rule_text: StrictStr = ""
    rule_from: Code | None = None
    max: Points | None = None
    kind: ItemKind = "deduction"
    rules: tuple[Rule, ...] = ()
    cap_group: Code | None = None
    applies_to: tuple[StrictStr, ...] = ()
    measure: StrictStr | None = None
    # Bounds of a valid measured value, such as 0–100 for a survey score.
    value_range: tuple[Decimal, Decimal] | None = None
    tiers: tuple[Tier, ...] = ()
    gap_over: Points | None = None
    penalty: Points | None = None
    threshold: Decimal | None = None
    per_month: Points | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Item:
        if self.max is None and self.cap_group is None:
            raise ValueError("条目必须有 max，或属于某个共享上限组 cap_group")
        if self.cap_group is not None and self.kind != "award":
            raise ValueError("只有加分条目（kind: award）可以属于共享上限组")
        if self.rule_from is not None and (self.rule_text or self.rules):
            raise ValueError("写了 rule_from 的条目不能再写 rule_text 或 rules")
        needs_measure = self.kind in ("tiers", "self_check", "monthly")
        if needs_measure and not self.measure:
            raise ValueError(f"kind: {self.kind} 的条目必须写明测量指标 measure")
        if self.kind == "tiers" and not self.tiers:
            raise ValueError("kind: tiers 的条目必须列出分档 tiers")
        if self.kind == "self_check" and (self.gap_over is None or self.penalty is None):
            raise ValueError("kind: self_check 的条目必须写 gap_over 和 penalty")
        if self.kind == "monthly" and (self.threshold is None or self.per_month is None):
            raise ValueError("kind: monthly 的条目必须写 threshold 和 per_month")
        return self

    def fitting_rules(self, points: Decimal) -> list[Rule]:
        """Return the rules whose amount fits one ledger row's points."""
        return [rule for rule in self.rules if rule.fits(points)]

    def match_rule(self, rule_id: str | None, points: Decimal) -> Rule | None:
        """Return the rule a ledger row applies: the one it names, else the only one that fits."""
        if rule_id is not None:
            # A plain loop: this runs several times per ledger row, and items have a few rules.
            for rule in self.rules:
                if rule.id == rule_id:
                    return rule
            return None
        fitting = self.fitting_rules(points)
        return fitting[0] if len(fitting) == 1 else None

    @property
    def capped_rules(self) -> bool:
        return any(rule.cap is not None for rule in self.rules)

    @property
    def computed(self) -> bool:
        """True when the item is scored from measures, not from ledger rows."""
        return self.kind in ("tiers", "self_check", "monthly")


class Indicator(_Strict):
    """考核指标 (or 二级项目): a group of items with an optional declared subtotal."""

    code: Code
    name: StrictStr
    declared: Points | None = None
    items: tuple[Item, ...] = Field(min_length=1)


class Category(_Strict):
    """类别 (or 一级项目): a group of indicators with an optional declared subtotal."""

    code: Code
    name: StrictStr
    declared: Points | None = None
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class CapGroup(_Strict):
    """Several award items that share one cap (特色指标)."""

    id: Code
    name: StrictStr
    cap: Points


NoteKind = Literal["subtotal", "amount", "tiers", "rule", "text", "applicability", "scope"]


class Note(_Strict):
    """A reading of an inconsistent or ambiguous place in the source table (说明)."""

    target: Code
    kind: NoteKind
    problem: StrictStr
    reading: StrictStr


class Rubric(_Strict):
    """One official scoring table for one system and one or more unit types."""

    id: StrictStr
    year: int
    system: Literal["基层党建", "党风廉政", "意识形态", "法治建设"]
    title: StrictStr
    source: StrictStr
    unit_types: tuple[Literal["机关部门", "事业单位", "居民区", "两新组织"], ...] = Field(min_length=1)
    total: Points
    columns: dict[str, StrictStr] = Field(default_factory=dict)
    not_applicable: Literal["full", "rescale"] = "full"
    cap_groups: tuple[CapGroup, ...] = ()
    categories: tuple[Category, ...] = Field(min_length=1)
    notes: tuple[Note, ...] = ()

    def items(self) -> list[Item]:
        return [item for category in self.categories for indicator in category.indicators
                for item in indicator.items]

    def item(self, code: str) -> Item | None:
        return self.item_index().get(code)

    def item_index(self) -> dict[str, Item]:
        return {item.code: item for item in self.items()}

    def cap_group(self, group_id: str) -> CapGroup | None:
        for group in self.cap_groups:
            if group.id == group_id:
                return group
        return None

    def measures(self) -> dict[str, Item]:
        """Map each measure name used by this rubric to the item that uses it."""
        return {item.measure: item for item in self.items() if item.measure}


def _plain(value: Decimal) -> str:
    """Format a decimal without exponent or trailing zeros (1.50 -> 1.5)."""
    text = format(value.normalize(), "f")
    return text


@dataclasses.dataclass(frozen=True)
class Unit:
    """A row of units.csv: an assessed unit."""

    id: str
    name: str
    type: str
    tags: tuple[str, ...]
    line: int
    region: str = ""


@dataclasses.dataclass(frozen=True)
class Entry:
    """A ledger row: one deduction, award or flag recorded by a reviewer."""

    unit: str
    system: str
    item: str
    points: Decimal
    reason: str
    evidence: str
    reviewer: str
    date: datetime.date | None
    withdrawn: bool
    rule: str | None
    path: str
    line: int
    # 更正: the row this one replaces, written as 文件名:行号. The loader
    # replaces the text as written with the target's `source`.
    corrects: str | None = None
    correction_note: str = ""
    # Source of the row that replaces this one; set by the loader.
    corrected_by: str | None = None
    remark: str = ""

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def superseded(self) -> bool:
        return self.corrected_by is not None

    @property
    def inactive(self) -> bool:
        """True when the row is shown but not counted: withdrawn (撤销) or replaced by a correction (更正)."""
        return self.withdrawn or self.superseded


@dataclasses.dataclass(frozen=True)
class Measure:
    """A row of measures.csv: a measured value such as a survey result."""

    unit: str
    system: str
    name: str
    month: int | None
    value: Decimal
    path: str
    line: int


@dataclasses.dataclass(frozen=True)
class Objection:
    """A row of objections.csv: an objection received during the public notice (公示) and its outcome."""

    id: str
    unit: str
    system: str
    item: str
    received: datetime.date
    content: str
    outcome: str
    decided: datetime.date | None
    status: str
    # Source (文件:行号) of the ledger row that carried out the correction, if any.
    correction: str | None
    path: str
    line: int
