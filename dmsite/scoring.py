"""Score units against rubrics: pure functions over validated records.

Nothing here reads files or imports MkDocs. All arithmetic uses
`Decimal`; totals are sums of the exact values, never of rounded ones.
Results do not depend on the order of ledger rows: sums are order-free,
and where a cap cuts points the cut is attributed to rows in a fixed order
(date, file, line) so that the explanation is stable too.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from .model import Entry, Item, Measure, Rubric, Rule, Tier, Unit

__all__ = [
    "Counted",
    "Flag",
    "Grade",
    "GroupScore",
    "ItemScore",
    "MonthlyDetail",
    "RubricScore",
    "SelfCheckDetail",
    "TierDetail",
    "YearScores",
    "Cut",
    "assign_grades",
    "cuts",
    "ledger_effect",
    "rank_scores",
    "score_rubric",
    "score_year",
]

ZERO = Decimal(0)


@dataclasses.dataclass(frozen=True)
class Counted:
    """A ledger row as it entered an item's score."""

    entry: Entry
    rule: Rule | None
    counted: Decimal
    rule_cut: Decimal
    # Points cut because the item's maximum or its shared cap was reached.
    cap_cut: Decimal = Decimal(0)

    @property
    def withdrawn(self) -> bool:
        return self.entry.withdrawn


@dataclasses.dataclass(frozen=True)
class Flag:
    """A mark that keeps a unit off the excellence list, with its cause."""

    kind: str  # "exclude_excellence" or "veto"
    item: str
    cause: str
    source: str


@dataclasses.dataclass(frozen=True)
class TierDetail:
    value: Decimal
    tier: Tier | None
    source: str


@dataclasses.dataclass(frozen=True)
class MonthlyDetail:
    values: tuple[tuple[int, Decimal], ...]
    threshold: Decimal
    months_below: tuple[int, ...]
    annual_sum: Decimal

    @property
    def annual_average(self) -> Decimal:
        return self.annual_sum / len(self.values) if self.values else ZERO

    @property
    def average_below(self) -> bool:
        # Compare sums, not a rounded average: sum < threshold * months is exact.
        return self.annual_sum < self.threshold * len(self.values)


@dataclasses.dataclass(frozen=True)
class SelfCheckDetail:
    self_total: Decimal
    reviewer_total: Decimal
    gap: Decimal
    gap_over: Decimal
    penalized: bool
    source: str


Detail = TierDetail | MonthlyDetail | SelfCheckDetail


@dataclasses.dataclass(frozen=True)
class ItemScore:
    item: Item
    applicable: bool
    max: Decimal | None
    score: Decimal
    recorded: Decimal
    cut: Decimal
    entries: tuple[Counted, ...]
    vetoed: bool = False
    detail: Detail | None = None

    @property
    def counted_entries(self) -> list[Counted]:
        return [counted for counted in self.entries if not counted.entry.inactive]


@dataclasses.dataclass(frozen=True)
class GroupScore:
    """Award items sharing one cap: what they earned and what the cap cut."""

    id: str
    name: str
    cap: Decimal
    earned: Decimal
    cut: Decimal
    items: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class NodeScore:
    """Score of a category or indicator: the sum of its items' scores."""

    code: str
    name: str
    max: Decimal
    score: Decimal


@dataclasses.dataclass(frozen=True)
class RubricScore:
    unit: Unit
    rubric: Rubric
    total: Decimal
    max_total: Decimal
    items: dict[str, ItemScore]
    nodes: dict[str, NodeScore]
    groups: tuple[GroupScore, ...]
    flags: tuple[Flag, ...]
    raw_total: Decimal
    rescaled: bool = False
    rank: int | None = None
    rank_of: int | None = None
    grade: str | None = None

    @property
    def excluded_from_excellence(self) -> bool:
        return bool(self.flags)

    @property
    def adjustments(self) -> list[ItemScore]:
        """Items shown as adjustments to the total: 惩戒分 and the self-assessment gap."""
        return [score for score in self.items.values() if score.item.kind in ("penalty", "self_check")]


@dataclasses.dataclass(frozen=True)
class Grade:
    """A grade band: a total at or above `min` earns `name`."""

    name: str
    min: Decimal


@dataclasses.dataclass
class YearScores:
    """All scores of one year, indexed by unit and by rubric (ranked)."""

    by_unit: dict[str, list[RubricScore]]
    by_rubric: dict[str, list[RubricScore]]

    def get(self, unit_id: str, rubric_id: str) -> RubricScore | None:
        for score in self.by_unit.get(unit_id, []):
            if score.rubric.id == rubric_id:
                return score
        return None


def _entry_order(entry: Entry) -> tuple:
    return (entry.date, entry.path, entry.line)


def _count_entries(item: Item, entries: Sequence[Entry]) -> tuple[list[Counted], list[Flag], bool]:
    """Apply per-rule caps (扣满N分为止) and collect flags from flag rules."""
    counted: list[Counted] = []
    flags: list[Flag] = []
    vetoed = False
    used_by_rule: dict[str, Decimal] = defaultdict(Decimal)
    for entry in sorted(entries, key=_entry_order):
        rule = item.match_rule(entry.rule, entry.points)
        # Withdrawn rows and rows replaced by a correction (更正) are listed but not counted.
        if entry.inactive:
            counted.append(Counted(entry, rule, ZERO, ZERO))
            continue
        if rule is not None and rule.effect != "score":
            flags.append(Flag(rule.effect, item.code, entry.reason, entry.source))
            vetoed = vetoed or rule.effect == "veto"
            counted.append(Counted(entry, rule, ZERO, ZERO))
            continue
        points = entry.points
        cut = ZERO
        if rule is not None and rule.cap is not None:
            room = max(rule.cap - used_by_rule[rule.id], ZERO)
            cut = max(points - room, ZERO)
            points -= cut
            used_by_rule[rule.id] += points
        counted.append(Counted(entry, rule, points, cut))
    return counted, flags, vetoed


def _attribute_cut(counted: list[Counted], limit: Decimal, used: Decimal = ZERO) -> list[Counted]:
    """Lower each row's counted points, in date order, so that they add up to at most `limit`.

    The cut goes to the rows recorded last, which is what 扣完为止 means for
    the reader: the earlier rows used up the item's points.
    """
    result: list[Counted] = []
    for row in counted:
        allowed = min(row.counted, max(limit - used, ZERO))
        used += allowed
        if allowed != row.counted:
            row = dataclasses.replace(row, counted=allowed, cap_cut=row.cap_cut + row.counted - allowed)
        result.append(row)
    return result


def _score_ledger_item(item: Item, entries: Sequence[Entry]) -> tuple[ItemScore, list[Flag]]:
    if not entries:
        # Most items of most units have no rows: full marks, or nothing earned.
        untouched = ZERO if item.kind == "award" else item.max
        assert untouched is not None
        return ItemScore(item, True, item.max, untouched, ZERO, ZERO, ()), []
    counted, flags, vetoed = _count_entries(item, entries)
    recorded = sum((c.counted for c in counted), ZERO)
    if item.max is not None:
        counted = _attribute_cut(counted, item.max)
    if item.kind == "award":
        earned = recorded if item.max is None else min(recorded, item.max)
        score = earned
        cut = recorded - earned
    else:
        assert item.max is not None
        deducted = min(recorded, item.max)
        score = item.max - deducted
        cut = recorded - deducted
    if vetoed:
        score = ZERO
    return ItemScore(item, True, item.max, score, recorded, cut, tuple(counted), vetoed), flags


def _score_tiers(item: Item, measure: Measure | None) -> ItemScore:
    assert item.max is not None
    if measure is None:
        return ItemScore(item, True, item.max, ZERO, ZERO, ZERO, ())
    tier = next((tier for tier in item.tiers if tier.contains(measure.value)), None)
    points = min(tier.points, item.max) if tier is not None else ZERO
    detail = TierDetail(measure.value, tier, f"{measure.path}:{measure.line}")
    return ItemScore(item, True, item.max, points, ZERO, ZERO, (), detail=detail)


def _score_monthly(item: Item, measures: Sequence[Measure]) -> tuple[ItemScore, list[Flag]]:
    assert item.max is not None
    assert item.threshold is not None
    assert item.per_month is not None
    values = tuple(sorted((m.month or 0, m.value) for m in measures))
    below = tuple(month for month, value in values if value < item.threshold)
    deducted_raw = item.per_month * len(below)
    deducted = min(deducted_raw, item.max)
    detail = MonthlyDetail(values, item.threshold, below, sum((v for _, v in values), ZERO))
    flags: list[Flag] = []
    if values and detail.average_below:
        source = ", ".join(sorted({f"{m.path}:{m.line}" for m in measures})[:1])
        flags.append(Flag("exclude_excellence", item.code,
                          f"年度平均积分低于 {_plain(item.threshold)} 分", source))
    score = ItemScore(item, True, item.max, item.max - deducted, deducted_raw, deducted_raw - deducted, (),
                      detail=detail)
    return score, flags


def _score_self_check(item: Item, measure: Measure | None, reviewer_total: Decimal) -> ItemScore:
    assert item.max is not None
    assert item.gap_over is not None
    assert item.penalty is not None
    if measure is None:
        return ItemScore(item, True, item.max, item.max, ZERO, ZERO, ())
    gap = abs(measure.value - reviewer_total)
    penalized = gap > item.gap_over
    score = item.max - min(item.penalty, item.max) if penalized else item.max
    detail = SelfCheckDetail(measure.value, reviewer_total, gap, item.gap_over, penalized,
                             f"{measure.path}:{measure.line}")
    return ItemScore(item, True, item.max, score, ZERO, ZERO, (), detail=detail)


def score_rubric(rubric: Rubric, unit: Unit, entries: Sequence[Entry], measures: Sequence[Measure]) -> RubricScore:
    """Score one unit against one rubric from its ledger rows and measures."""
    by_item: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_item[entry.item].append(entry)
    by_measure: dict[str, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_measure[measure.name].append(measure)

    scores: dict[str, ItemScore] = {}
    flags: list[Flag] = []
    self_checks: list[Item] = []
    items = rubric.items()
    for item in items:
        if item.applies_to and not set(item.applies_to) & set(unit.tags):
            full = item.max if rubric.not_applicable == "full" and item.max is not None else ZERO
            scores[item.code] = ItemScore(item, False, item.max, full, ZERO, ZERO, ())
            continue
        if item.kind == "tiers":
            found = by_measure.get(item.measure or "", [])
            scores[item.code] = _score_tiers(item, found[0] if found else None)
        elif item.kind == "monthly":
            scores[item.code], item_flags = _score_monthly(item, by_measure.get(item.measure or "", []))
            flags.extend(item_flags)
        elif item.kind == "self_check":
            self_checks.append(item)
        else:
            scores[item.code], item_flags = _score_ledger_item(item, by_item.get(item.code, []))
            flags.extend(item_flags)

    groups = _group_scores(rubric, scores)
    # The self-assessment is compared with the reviewer's total as it would be
    # published, with the self-check item itself at full marks.
    for item in self_checks:
        assert item.max is not None
        partial = _sum_scores(scores.values())
        reviewer_total = partial + sum((other.max or ZERO for other in self_checks), ZERO)
        applicable_max = _applicable_max(rubric, unit)
        if rubric.not_applicable == "rescale" and applicable_max not in (ZERO, rubric.total):
            reviewer_total = _rescale(reviewer_total, rubric.total, applicable_max)
        found = by_measure.get(item.measure or "", [])
        scores[item.code] = _score_self_check(item, found[0] if found else None, reviewer_total)

    ordered = {item.code: scores[item.code] for item in items}
    nodes = _node_scores(rubric, ordered, groups)
    raw_total = sum((nodes[category.code].score for category in rubric.categories), ZERO)
    max_total = sum((nodes[category.code].max for category in rubric.categories), ZERO)
    total, rescaled = raw_total, False
    if rubric.not_applicable == "rescale" and max_total not in (ZERO, rubric.total):
        total = _rescale(raw_total, rubric.total, max_total)
        rescaled = True
    unique_flags = tuple(dict.fromkeys(flags))
    return RubricScore(unit, rubric, total, max_total if not rescaled else rubric.total, ordered, nodes,
                       tuple(groups), unique_flags, raw_total, rescaled)


def _rescale(value: Decimal, total: Decimal, applicable_max: Decimal) -> Decimal:
    # NOTE: rescaling can produce a repeating decimal; it is kept to two places.
    return (value * total / applicable_max).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _applicable_max(rubric: Rubric, unit: Unit) -> Decimal:
    """Sum the maxima of the items that apply to `unit`, shared caps counted once."""
    total = ZERO
    groups: set[str] = set()
    for item in rubric.items():
        if item.applies_to and not set(item.applies_to) & set(unit.tags):
            continue
        if item.cap_group is None:
            total += item.max or ZERO
        elif item.cap_group not in groups:
            groups.add(item.cap_group)
            group = rubric.cap_group(item.cap_group)
            total += group.cap if group is not None else ZERO
    return total


def _sum_scores(scores: Iterable[ItemScore]) -> Decimal:
    return sum((score.score for score in scores), ZERO)


def _group_scores(rubric: Rubric, scores: dict[str, ItemScore]) -> list[GroupScore]:
    """Apply each shared cap, also marking on the rows recorded last the points it cut."""
    groups: list[GroupScore] = []
    for group in rubric.cap_groups:
        members = [score for score in scores.values() if score.item.cap_group == group.id]
        earned = _sum_scores(members)
        cut = max(earned - group.cap, ZERO)
        groups.append(GroupScore(group.id, group.name, group.cap, earned, cut,
                                 tuple(score.item.code for score in members)))
        if cut:
            rows = sorted(((member.item.code, row) for member in members for row in member.entries),
                          key=lambda pair: _entry_order(pair[1].entry))
            capped = _attribute_cut([row for _, row in rows], group.cap)
            # Each member keeps what its own rows still count, so item scores
            # add up to the shared cap and every cut point is on a row.
            for member in members:
                own = tuple(row for (code, _), row in zip(rows, capped) if code == member.item.code)
                kept = sum((row.counted for row in own), ZERO)
                scores[member.item.code] = dataclasses.replace(member, entries=own, score=kept)
    return groups


def _node_scores(rubric: Rubric, scores: dict[str, ItemScore], groups: list[GroupScore]) -> dict[str, NodeScore]:
    group_by_id = {group.id: group for group in groups}
    nodes: dict[str, NodeScore] = {}

    def total(items: list[Item]) -> tuple[Decimal, Decimal]:
        score = ZERO
        maximum = ZERO
        seen: set[str] = set()
        for item in items:
            item_score = scores[item.code]
            if not item_score.applicable and rubric.not_applicable == "rescale":
                continue
            score += item_score.score
            if item.cap_group is None:
                maximum += item.max or ZERO
            elif item.cap_group not in seen:
                seen.add(item.cap_group)
                group = group_by_id[item.cap_group]
                maximum += group.cap
        return score, maximum

    # A cap group lies within one indicator (the rubric loader checks this), so
    # a category's score and maximum are the sums of its indicators'.
    for category in rubric.categories:
        category_score = ZERO
        category_max = ZERO
        for indicator in category.indicators:
            score, maximum = total(list(indicator.items))
            nodes[indicator.code] = NodeScore(indicator.code, indicator.name, maximum, score)
            category_score += score
            category_max += maximum
        nodes[category.code] = NodeScore(category.code, category.name, category_max, category_score)
    return nodes


def rank_scores(scores: list[RubricScore]) -> list[RubricScore]:
    """Rank scores of one rubric within each unit type; ties share a rank (1, 2, 2, 4)."""
    by_type: dict[str, list[RubricScore]] = defaultdict(list)
    for score in scores:
        by_type[score.unit.type].append(score)
    ranked: list[RubricScore] = []
    for unit_type in sorted(by_type):
        group = sorted(by_type[unit_type], key=lambda s: (-s.total, s.unit.id))
        previous: Decimal | None = None
        rank = 0
        for position, score in enumerate(group, start=1):
            if score.total != previous:
                rank = position
                previous = score.total
            ranked.append(dataclasses.replace(score, rank=rank, rank_of=len(group)))
    return ranked


def assign_grades(scores: list[RubricScore], grades: Sequence[Grade], excellence: str) -> list[RubricScore]:
    """Give each score the highest band it reaches; flagged units skip the excellence band."""
    bands = sorted(grades, key=lambda grade: grade.min, reverse=True)
    result: list[RubricScore] = []
    for score in scores:
        name = None
        for band in bands:
            if score.total >= band.min and not (band.name == excellence and score.excluded_from_excellence):
                name = band.name
                break
        result.append(dataclasses.replace(score, grade=name))
    return result


def score_year(rubrics: Iterable[Rubric], units: Iterable[Unit], entries: Iterable[Entry],
               measures: Iterable[Measure], grades: Sequence[Grade] = (), excellence: str = "优秀") -> YearScores:
    """Score every unit against every rubric that applies to its type, then rank."""
    rubric_list = list(rubrics)
    entries_by_key: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        entries_by_key[(entry.unit, entry.system)].append(entry)
    measures_by_key: dict[tuple[str, str], list[Measure]] = defaultdict(list)
    for measure in measures:
        measures_by_key[(measure.unit, measure.system)].append(measure)

    by_rubric: dict[str, list[RubricScore]] = {rubric.id: [] for rubric in rubric_list}
    for unit in units:
        for rubric in rubric_list:
            if unit.type not in rubric.unit_types:
                continue
            key = (unit.id, rubric.system)
            by_rubric[rubric.id].append(score_rubric(rubric, unit, entries_by_key[key], measures_by_key[key]))

    by_unit: dict[str, list[RubricScore]] = defaultdict(list)
    for rubric_id, scores in by_rubric.items():
        ranked = assign_grades(rank_scores(scores), grades, excellence)
        by_rubric[rubric_id] = sorted(ranked, key=lambda s: (s.unit.type, s.rank or 0, s.unit.id))
        for score in ranked:
            by_unit[score.unit.id].append(score)
    order = {rubric.id: index for index, rubric in enumerate(rubric_list)}
    for scores in by_unit.values():
        scores.sort(key=lambda s: order[s.rubric.id])
    return YearScores(dict(by_unit), by_rubric)


@dataclasses.dataclass(frozen=True)
class Cut:
    """Points recorded in the ledger that a cap kept out of a score."""

    unit: str
    rubric: str
    item: str
    points: Decimal
    cause: str


def ledger_effect(score: RubricScore) -> tuple[Decimal, Decimal]:
    """Return the points ledger rows took off and added to a total, as its page shows them.

    Deductions are each applicable deduction or penalty item's maximum minus
    its score, so caps and vetoes are included. Awards are the award items'
    scores, from which shared caps have already been taken.
    """
    deducted = ZERO
    awarded = ZERO
    for item_score in score.items.values():
        item = item_score.item
        if item.computed or not item_score.applicable:
            continue
        if item.kind == "award":
            awarded += item_score.score
        else:
            deducted += (item_score.max or ZERO) - item_score.score
    return deducted, awarded


def cuts(score: RubricScore) -> list[Cut]:
    """List every cap that cut ledger points from one unit's score."""
    found: list[Cut] = []
    unit, rubric = score.unit.id, score.rubric.id
    for item_score in score.items.values():
        for counted in item_score.entries:
            if counted.rule_cut and counted.rule is not None:
                found.append(Cut(unit, rubric, item_score.item.code, counted.rule_cut,
                                 f"规则 {counted.rule.id} 最多 {_plain(counted.rule.cap or ZERO)} 分"))
        if item_score.cut and not item_score.item.computed:
            found.append(Cut(unit, rubric, item_score.item.code, item_score.cut,
                             f"条目满分 {_plain(item_score.max or ZERO)} 分，扣完为止"
                             if item_score.item.kind != "award" else f"条目上限 {_plain(item_score.max or ZERO)} 分"))
    for group in score.groups:
        if group.cut:
            found.append(Cut(unit, rubric, "、".join(group.items), group.cut,
                             f"「{group.name}」共享上限 {_plain(group.cap)} 分"))
    return found


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
