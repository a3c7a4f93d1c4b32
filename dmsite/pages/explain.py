"""Plain-Chinese working for every computed number on a unit page."""

from __future__ import annotations

from decimal import Decimal

from ..scoring import ItemScore, MonthlyDetail, RubricScore, SelfCheckDetail, TierDetail

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
        # Workings show exact values: ledger points have at most two decimal
        # places, so rounding them here would make the arithmetic look wrong.
        return exact(value)

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
    return _explain_ledger_item(score, numbers, n)


def exact(value: Decimal) -> str:
    """Format a decimal exactly, without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _explain_ledger_item(score: ItemScore, numbers: dict[tuple[str, int], int], n) -> list[str]:
    item = score.item
    maximum = score.max or Decimal(0)

    def ref(counted) -> str:
        return f"记录 {numbers[(counted.entry.path, counted.entry.line)]}"

    active = score.counted_entries
    inactive = [c for c in score.entries if c.entry.inactive]
    lines: list[str] = []
    if score.vetoed:
        vetoes = [c for c in active if c.rule is not None and c.rule.effect == "veto"]
        lines.append(f"一票否决（{'、'.join(ref(c) for c in vetoes)}）：本条目计 0 分。")
    else:
        scored = [c for c in active if c.rule is None or c.rule.effect == "score"]
        label = {"award": "加分", "penalty": "惩戒"}.get(item.kind, "扣分")
        if not scored:
            lines.append("无加分记录，得 0 分。" if item.kind == "award" else f"无{label}记录，得满分 {n(maximum)} 分。")
        elif item.kind == "award":
            parts = " + ".join(f"{n(c.counted)}（{ref(c)}）" for c in scored)
            lines.append(f"加分 {parts} = {n(score.score)}。")
        else:
            parts = "".join(f" − {n(c.counted)}（{ref(c)}）" for c in scored)
            lines.append(f"满分 {n(maximum)}{parts} = {n(score.score)}。")
        for c in scored:
            if c.rule_cut:
                cap = c.rule.cap if c.rule is not None and c.rule.cap is not None else Decimal(0)
                lines.append(f"{ref(c)} 适用的规则「{c.rule.id if c.rule else ''}」最多 {n(cap)} 分，"
                             f"本条 {n(c.entry.points)} 分中 {n(c.rule_cut)} 分不计。")
            if c.cap_cut:
                if item.cap_group:
                    limit = "条目和共享上限"
                elif item.kind == "award":
                    limit = "条目上限"
                else:
                    limit = "条目满分"
                lines.append(f"{ref(c)} 超出{limit}，{n(c.cap_cut)} 分不计（扣完为止）。"
                             if item.kind != "award" else f"{ref(c)} 超出{limit}，{n(c.cap_cut)} 分不计。")
    for c in active:
        if c.rule is not None and c.rule.effect == "exclude_excellence":
            lines.append(f"{ref(c)}：{c.rule.describe()}。")
    if inactive:
        withdrawn = [c for c in inactive if c.entry.withdrawn]
        replaced = [c for c in inactive if not c.entry.withdrawn]
        if withdrawn:
            lines.append(f"另有已撤销的{'、'.join(ref(c) for c in withdrawn)}，不计分。")
        if replaced:
            lines.append(f"另有已被更正的{'、'.join(ref(c) for c in replaced)}，不计分。")
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
    # The comparison is made on the annual sum, so a rounded average such as
    # 36.00 cannot appear next to the words "below 36".
    months = len(detail.values)
    required = detail.threshold * months
    if detail.average_below:
        lines.append(f"全年合计 {n(detail.annual_sum)} 分，低于 {n(detail.threshold)} × {months} = {n(required)} 分，"
                     f"即年度平均低于 {n(detail.threshold)} 分，不列入考核“优秀”名单。")
    else:
        lines.append(f"全年合计 {n(detail.annual_sum)} 分，不低于 {n(detail.threshold)} × {months} = {n(required)} 分，"
                     f"即年度平均不低于 {n(detail.threshold)} 分。")
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
