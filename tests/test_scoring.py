"""Scoring rules with hand-computed values, on the mini rubric from conftest."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmsite.load.dataset import load_project
from dmsite.scoring import Grade, score_year

from .conftest import LEDGER_HEADER, default_measures, monthly_rows, write_project

D = Decimal
# A unit with no ledger rows scores 34 of 40: the three award items start at 0.
BASELINE = D(34)


def scores_for(root: Path, ledger_rows: str = "", measures: str | None = None, grades=()):
    write_project(root, ledger=LEDGER_HEADER + ledger_rows, measures=measures)
    project = load_project(root)
    assert not project.problems.errors, [str(p) for p in project.problems.errors]
    data = project.years[2022]
    return score_year(data.rubrics.values(), data.units.values(), data.entries, data.measures, grades)


def unit_score(scores, unit: str = "A1"):
    found = scores.get(unit, "mini")
    assert found is not None
    return found


def test_baseline_without_rows(tmp_path):
    score = unit_score(scores_for(tmp_path))
    assert score.total == BASELINE
    assert score.max_total == D(40)
    assert score.items["1.1.1"].score == D(3)
    assert score.items["2.1.1"].score == D(0)


def test_fixed_deduction(tmp_path):
    score = unit_score(scores_for(tmp_path, "A1,基层党建,1.1.1,1,未做到,记录,审核员,2022-03-01,,a\n"))
    assert score.items["1.1.1"].score == D(2)
    assert score.total == BASELINE - 1


def test_deduction_capped_at_item_max(tmp_path):
    rows = ("A1,基层党建,1.1.1,1,未做到,记录,审核员,2022-03-01,,a\n"
            "A1,基层党建,1.1.1,4,两次,记录,审核员,2022-03-02,,b\n")
    item = unit_score(scores_for(tmp_path, rows)).items["1.1.1"]
    assert item.recorded == D(5)
    assert item.score == D(0)
    assert item.cut == D(2)


def test_deduction_exactly_at_max_leaves_zero(tmp_path):
    rows = "A1,基层党建,1.1.1,1,甲,记录,审核员,2022-03-01,,a\nA1,基层党建,1.1.1,2,乙,记录,审核员,2022-03-02,,b\n"
    item = unit_score(scores_for(tmp_path, rows)).items["1.1.1"]
    assert item.score == D(0)
    assert item.cut == D(0)


def test_rule_cap_cuts_excess(tmp_path):
    # Rule b caps at 2: 1.5 + 1 = 2.5 counts as 2, the later row loses 0.5.
    rows = ("A1,基层党建,1.1.2,1.5,第一次,记录,审核员,2022-03-01,,b\n"
            "A1,基层党建,1.1.2,1,第二次,记录,审核员,2022-04-01,,b\n")
    item = unit_score(scores_for(tmp_path, rows)).items["1.1.2"]
    assert item.score == D(2)
    counted = [c.counted for c in item.entries]
    assert counted == [D("1.5"), D("0.5")]
    assert [c.rule_cut for c in item.entries] == [D(0), D("0.5")]


def test_decimal_points_stay_exact(tmp_path):
    rows = "".join(f"A1,基层党建,1.1.2,0.5,第{n}次,记录,审核员,2022-03-0{n},,b\n" for n in range(1, 4))
    score = unit_score(scores_for(tmp_path, rows))
    assert score.items["1.1.2"].score == D("2.5")
    assert score.total == D("32.5")
    assert str(score.total) == "32.5"


def test_withdrawn_row_counts_nothing(tmp_path):
    rows = "A1,基层党建,1.1.1,1,录错,记录,审核员,2022-03-01,撤销,a\n"
    score = unit_score(scores_for(tmp_path, rows))
    assert score.items["1.1.1"].score == D(3)
    assert score.items["1.1.1"].entries[0].withdrawn
    assert score.total == BASELINE


def test_veto_sets_item_to_zero(tmp_path):
    rows = "A1,基层党建,1.1.2,0,泄密事件,通报,审核员,2022-05-01,,c\n"
    score = unit_score(scores_for(tmp_path, rows))
    assert score.items["1.1.2"].score == D(0)
    assert score.total == BASELINE - 4
    assert [(flag.kind, flag.item, flag.cause) for flag in score.flags] == [("veto", "1.1.2", "泄密事件")]
    assert score.excluded_from_excellence


def test_exclude_flag_keeps_points(tmp_path):
    rows = "A1,基层党建,1.1.2,0,重大舆情,通报,审核员,2022-05-01,,d\n"
    score = unit_score(scores_for(tmp_path, rows))
    assert score.total == BASELINE
    assert score.excluded_from_excellence


def test_not_applicable_item_gets_full_marks(tmp_path):
    scores = scores_for(tmp_path, "A2,基层党建,1.1.3,2,执法案卷迟交,评查报告,审核员,2022-06-01,,a\n")
    without_tag = unit_score(scores, "A1").items["1.1.3"]
    with_tag = unit_score(scores, "A2").items["1.1.3"]
    assert not without_tag.applicable
    assert without_tag.score == D(5)
    assert with_tag.applicable
    assert with_tag.score == D(3)


def test_shared_award_cap(tmp_path):
    rows = ("A1,基层党建,2.1.1,6,两项市级肯定,批示,审核员,2022-07-01,,a\n"
            "A1,基层党建,2.1.2,3,一项区级肯定,文件,审核员,2022-07-02,,a\n")
    score = unit_score(scores_for(tmp_path, rows))
    group = score.groups[0]
    assert group.earned == D(9)
    assert group.cut == D(4)
    # The earlier row uses the cap: 2.1.1 keeps 5 of its 6, 2.1.2 keeps none.
    assert score.items["2.1.1"].score == D(5)
    assert score.items["2.1.2"].score == D(0)
    assert score.nodes["2.1"].score == D(5)
    assert score.total == BASELINE + 5


def test_award_below_shared_cap(tmp_path):
    score = unit_score(scores_for(tmp_path, "A1,基层党建,2.1.1,3,市级肯定,批示,审核员,2022-07-01,,a\n"))
    assert score.groups[0].cut == D(0)
    assert score.total == BASELINE + 3


def test_award_capped_at_own_max(tmp_path):
    rows = ("A1,基层党建,2.1.3,1,亮点,材料,审核员,2022-07-01,,a\n"
            "A1,基层党建,2.1.3,0.5,又一亮点,材料,审核员,2022-07-02,,a\n")
    item = unit_score(scores_for(tmp_path, rows)).items["2.1.3"]
    assert item.score == D(1)
    assert item.cut == D("0.5")
    assert [c.counted for c in item.entries] == [D(1), D(0)]
    assert [c.cap_cut for c in item.entries] == [D(0), D("0.5")]


def test_item_cap_cut_goes_to_later_rows(tmp_path):
    rows = ("A1,基层党建,1.1.1,2,第二次,记录,审核员,2022-03-02,,b\n"
            "A1,基层党建,1.1.1,1,第一次,记录,审核员,2022-03-01,,a\n"
            "A1,基层党建,1.1.1,2,第三次,记录,审核员,2022-03-03,,b\n")
    item = unit_score(scores_for(tmp_path, rows)).items["1.1.1"]
    assert [c.entry.reason for c in item.entries] == ["第一次", "第二次", "第三次"]
    assert [c.counted for c in item.entries] == [D(1), D(2), D(0)]
    assert [c.cap_cut for c in item.entries] == [D(0), D(0), D(2)]


def test_shared_cap_cut_marked_on_rows(tmp_path):
    rows = ("A1,基层党建,2.1.1,3,市级肯定,批示,审核员,2022-07-01,,a\n"
            "A1,基层党建,2.1.2,3,区级肯定,文件,审核员,2022-07-02,,a\n")
    score = unit_score(scores_for(tmp_path, rows))
    first = score.items["2.1.1"].entries[0]
    second = score.items["2.1.2"].entries[0]
    assert (first.counted, first.cap_cut) == (D(3), D(0))
    assert (second.counted, second.cap_cut) == (D(2), D(1))


def test_penalty_capped_at_five(tmp_path):
    rows = ("A1,基层党建,1.3.1,2,轻处分一例,处分决定,审核员,2022-08-01,,a\n"
            "A1,基层党建,1.3.1,5,重处分一例,处分决定,审核员,2022-08-02,,b\n")
    score = unit_score(scores_for(tmp_path, rows))
    assert score.items["1.3.1"].score == D(0)
    assert score.items["1.3.1"].cut == D(2)
    assert [adj.item.code for adj in score.adjustments] == ["1.2.1", "1.3.1"]


@pytest.mark.parametrize(("value", "points"), [
    ("100", 3), ("99.99", 2), ("98", 2), ("97.99", 1), ("96", 1), ("95.99", 0), ("0", 0),
])
def test_satisfaction_tiers(tmp_path, value, points):
    measures = default_measures(("A2", "B1")) + f"A1,基层党建,满意度,,{value}\nA1,基层党建,自评总分,,34\n"
    measures += monthly_rows("A1", ["40"] * 12)
    item = unit_score(scores_for(tmp_path, measures=measures)).items["1.2.2"]
    assert item.score == D(points)


@pytest.mark.parametrize(("self_total", "penalized"), [
    ("34", False), ("39", False), ("29", False), ("39.01", True), ("28.99", True), ("0", True),
])
def test_self_check_gap(tmp_path, self_total, penalized):
    # The reviewer's total is 34 with the self-check item at full marks.
    measures = default_measures(("A2", "B1")) + f"A1,基层党建,满意度,,100\nA1,基层党建,自评总分,,{self_total}\n"
    measures += monthly_rows("A1", ["40"] * 12)
    score = unit_score(scores_for(tmp_path, measures=measures))
    item = score.items["1.2.1"]
    assert item.detail.reviewer_total == D(34)
    assert item.detail.penalized is penalized
    assert item.score == (D(0) if penalized else D(2))


def test_monthly_threshold_is_exclusive(tmp_path):
    values = ["36", "35.99", "35", "40", "40", "40", "40", "40", "40", "40", "40", "40"]
    measures = default_measures(("A2", "B1")) + "A1,基层党建,满意度,,100\nA1,基层党建,自评总分,,34\n"
    measures += monthly_rows("A1", values)
    score = unit_score(scores_for(tmp_path, measures=measures))
    item = score.items["1.2.3"]
    assert item.detail.months_below == (2, 3)
    assert item.score == D(10)
    assert not score.excluded_from_excellence


@pytest.mark.parametrize(("last", "excluded"), [("36", False), ("35.99", True)])
def test_monthly_annual_average_flag(tmp_path, last, excluded):
    # Eleven months at 36 and one at `last`: the average is below 36 only if `last` is.
    measures = default_measures(("A2", "B1")) + "A1,基层党建,满意度,,100\nA1,基层党建,自评总分,,34\n"
    measures += monthly_rows("A1", ["36"] * 11 + [last])
    score = unit_score(scores_for(tmp_path, measures=measures))
    assert score.excluded_from_excellence is excluded


def test_ranking_ties_share_rank(tmp_path):
    rows = ("A1,基层党建,1.1.1,1,甲,记录,审核员,2022-03-01,,a\n"
            "A2,基层党建,1.1.1,1,乙,记录,审核员,2022-03-01,,a\n")
    scores = scores_for(tmp_path, rows)
    ranked = {score.unit.id: (score.rank, score.rank_of) for score in scores.by_rubric["mini"]}
    assert ranked["A1"] == (1, 2)
    assert ranked["A2"] == (1, 2)
    # B1 is ranked among 事业单位 only.
    assert ranked["B1"] == (1, 1)


def test_ranking_after_tie_skips(tmp_path):
    units = "编号,名称,类型,标签\nA1,甲,机关部门,\nA2,乙,机关部门,\nA3,丙,机关部门,\n"
    write_project(tmp_path, units=units, ledger=LEDGER_HEADER + "A3,基层党建,1.1.1,1,甲,记录,审核员,2022-03-01,,a\n",
                  measures=default_measures(("A1", "A2", "A3")))
    data = load_project(tmp_path).years[2022]
    scores = score_year(data.rubrics.values(), data.units.values(), data.entries, data.measures)
    assert [(s.unit.id, s.rank) for s in scores.by_rubric["mini"]] == [("A1", 1), ("A2", 1), ("A3", 3)]


def test_grades_skip_excellence_when_flagged(tmp_path):
    grades = (Grade("优秀", D(34)), Grade("良好", D(30)))
    rows = "A2,基层党建,1.1.2,0,重大舆情,通报,审核员,2022-05-01,,d\n"
    scores = scores_for(tmp_path, rows, grades=grades)
    assert unit_score(scores, "A1").grade == "优秀"
    assert unit_score(scores, "A2").total == BASELINE
    assert unit_score(scores, "A2").grade == "良好"


ROWS = [
    "A1,基层党建,1.1.1,1,甲,记录,审核员,2022-03-01,,a\n",
    "A1,基层党建,1.1.2,1.5,乙,记录,审核员,2022-03-02,,b\n",
    "A1,基层党建,1.1.2,1,丙,记录,审核员,2022-03-03,,b\n",
    "A1,基层党建,2.1.1,6,丁,记录,审核员,2022-03-04,,a\n",
    "A1,基层党建,2.1.2,3,戊,记录,审核员,2022-03-05,,a\n",
    "A2,基层党建,1.1.3,2,己,记录,审核员,2022-03-06,,a\n",
    "A1,基层党建,1.3.1,2,庚,记录,审核员,2022-03-07,,a\n",
]


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(ROWS), split=st.integers(min_value=0, max_value=len(ROWS)))
def test_scores_independent_of_row_order(tmp_path_factory, order, split):
    root = tmp_path_factory.mktemp("order")
    write_project(root, ledger=LEDGER_HEADER + "".join(order[:split]))
    (root / "scores" / "2022" / "ledgers" / "second.csv").write_text(LEDGER_HEADER + "".join(order[split:]),
                                                                     encoding="utf-8")
    data = load_project(root).years[2022]
    scores = score_year(data.rubrics.values(), data.units.values(), data.entries, data.measures)
    totals = {s.unit.id: s.total for s in scores.by_rubric["mini"]}
    # A1: 34 - 1 - 2 (rule cap) - 2 (penalty) + 5 (group cap) = 34; A2: 34 - 2 = 32.
    assert totals == {"A1": D(34), "A2": D(32), "B1": D(34)}


def test_rescale_reading_for_not_applicable(tmp_path):
    from .conftest import MINI_RUBRIC

    rubric = MINI_RUBRIC.replace("total: 40\n", "total: 40\nnot_applicable: rescale\n")
    write_project(tmp_path, rubric=rubric, ledger=LEDGER_HEADER + "A1,基层党建,1.1.1,1,甲,记录,审核员,2022-03-01,,a\n")
    data = load_project(tmp_path).years[2022]
    scores = score_year(data.rubrics.values(), data.units.values(), data.entries, data.measures)
    a1 = unit_score(scores)
    # 1.1.3 (5 points) does not apply: 28 of the 35 applicable points, rescaled
    # to 40, is 32 exactly. The self-assessed 34 is compared with that 32, so
    # the gap of 2 costs nothing.
    assert not a1.items["1.1.3"].applicable
    assert a1.raw_total == D(28)
    assert a1.rescaled
    assert a1.total == D(32)
    a2 = unit_score(scores, "A2")
    assert not a2.rescaled
    assert a2.total == BASELINE
