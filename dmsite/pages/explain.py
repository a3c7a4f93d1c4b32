"""Plain-Chinese working for every computed number on a unit page."""

from __future__ import annotations

from decimal import Decimal

from ..scoring import ItemScore, MonthlyDetail, RubricScore, SelfCheckDetail, TierDetail
from .markdown import format_number

__all__ = ["explain_item", "entry_numbers"]


def entry_numbers(score: RubricScore) -> dict[tuple[str, int], int]:
    """Number every ledger row of one rubric score in page order (1, 2, 3 …)."""
    numbers: dict[tuple[str, int], int] = {}
    for item_score in score.items.values():
        for counted in item_score.entries:
            numbers[(counted.entry.path, counted.entry.line)] = len(numbers) + 1
    return numbers


def explain_item(score: ItemScore, numbers: dict[tuple[str, int], int], precision: int) -> list[str]:
    """Return the steps that lead to an item's score, one sentence each."""

    def n(value: Decimal) -> str:
        return format_number(value, precision)

    item = score.item
    if not score.applicable:
        tags = "、".join(item.applies_to)
        treatment = "按满分计" if score.score == (score.max or 0) else "不计入总分，总分按比例折算"
        return [f"不适用：本条目只适用于带有「{tags}」标签的单位，{treatment}。"]
    if isinstance(score.detail, TierDetail):
        return _explain_tiers(score.detail, score, n)
    if isinstance(score.detail, MonthlyDetail):
        return _explain_monthly(score.detail, score, n)
    if isinstance(score.detail, SelfCheckDetail):
        return _explain_self_check(score.detail, score, n)
    if item.kind == "self_check":
        return [f"未录入自评总分，按满分 {n(score.max or Decimal(0))} 分计。"]

    counted = score.counted_entries
    lines: list[str] = []
    if item.kind == "award":
        if not counted:
            return ["无加分记录，得 0 分。"]
        parts = " + ".join(f"{n(c.counted)}（记录 {numbers[(c.entry.path, c.entry.line)]}）" for c in counted
                           if c.counted)
        lines.append(f"加分 {parts or '0'} = {n(score.recorded)}。")
        if score.cut:
            lines.append(f"超过本条目上限 {n(score.max or Decimal(0))} 分，超出的 {n(score.cut)} 分不计。")
    else:
        label = "惩戒" if item.kind == "penalty" else "扣分"
        if not counted:
            return [f"无{label}记录，得满分 {n(score.max or Decimal(0))} 分。"]
        parts = "".join(f" − {n(c.counted)}（记录 {numbers[(c.entry.path, c.entry.line)]}）" for c in counted
                        if c.counted)
        lines.append(f"满分 {n(score.max or Decimal(0))}{parts} = {n((score.max or Decimal(0)) - score.recorded)}。"
                     if not score.cut else
                     f"满分 {n(score.max or Decimal(0))}，{label}合计 {n(score.recorded)} 分。")
        if score.cut:
            lines.append(f"{label}超过满分，扣完为止，得 0 分（超出的 {n(score.cut)} 分不计）。")
    for c in counted:
        if c.rule_cut:
            cap = c.rule.cap if c.rule and c.rule.cap is not None else Decimal(0)
            lines.append(f"记录 {numbers[(c.entry.path, c.entry.line)]} 适用的规则「{c.rule.id if c.rule else ''}」"
                         f"最多 {n(cap)} 分，本条 {n(c.entry.points)} 分中 {n(c.rule_cut)} 分不计。")
        if c.rule is not None and c.rule.effect != "score":
            lines.append(f"记录 {numbers[(c.entry.path, c.entry.line)]}：{c.rule.describe()}。")
    if score.vetoed:
        lines.append("一票否决：本条目计 0 分。")
    return lines


def _explain_tiers(detail: TierDetail, score: ItemScore, n) -> list[str]:
    if detail.tier is None:
        return [f"测评结果 {n(detail.value)} 分不在任何一档，得 0 分。"]
    return [f"测评结果 {format(detail.value.normalize(), 'f')} 分，落在“{detail.tier.label}”档，"
            f"得 {n(score.score)} 分。"]


def _explain_monthly(detail: MonthlyDetail, score: ItemScore, n) -> list[str]:
    months = "；".join(
        f"{month}月 {format(value.normalize(), 'f')}" + ("（低于，扣分）" if month in detail.months_below else "")
        for month, value in detail.values)
    lines = [f"各月日均积分（标准 {n(detail.threshold)} 分）：{months}。"]
    below = len(detail.months_below)
    lines.append(f"{below} 个月低于标准，扣 {n(score.recorded)} 分" +
                 (f"，扣完为止（超出的 {n(score.cut)} 分不计）" if score.cut else "") +
                 f"，得 {n(score.score)} 分。")
    average = format(detail.annual_average.quantize(Decimal("0.01")).normalize(), "f")
    if detail.average_below:
        lines.append(f"年度平均 {average} 分，低于 {n(detail.threshold)} 分，不列入考核“优秀”名单。")
    else:
        lines.append(f"年度平均 {average} 分，不低于 {n(detail.threshold)} 分。")
    return lines


def _explain_self_check(detail: SelfCheckDetail, score: ItemScore, n) -> list[str]:
    lines = [f"自评总分 {n(detail.self_total)} 分，牵头部门评定 {n(detail.reviewer_total)} 分（本条目按满分计），"
             f"差距 {n(detail.gap)} 分。"]
    if detail.penalized:
        lines.append(f"差距超过 {n(detail.gap_over)} 分，扣减 {n((score.max or Decimal(0)) - score.score)} 分，"
                     f"得 {n(score.score)} 分。")
    else:
        lines.append(f"差距未超过 {n(detail.gap_over)} 分，不扣分。")
    return lines
