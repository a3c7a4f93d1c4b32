"""Shared fixtures: the shipped project, and small projects written to tmp_path."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A small rubric with one item of every kind, used where hand-computed values
# must be easy to follow. Its maxima: 3 + 4 + 5 + 2 + 3 + 12 + 5 + 6 = 40.
MINI_RUBRIC = textwrap.dedent("""\
    id: mini
    year: 2022
    system: 基层党建
    title: 测试评分表
    source: 测试
    unit_types: [机关部门, 事业单位]
    total: 40
    cap_groups:
      - {id: "g", name: 特色, cap: 5}
    categories:
      - code: "1"
        name: 共性指标
        declared: 34
        indicators:
          - code: "1.1"
            name: 扣分指标
            declared: 12
            items:
              - code: "1.1.1"
                text: 固定与按次扣分
                rule_text: 未做到的，扣1分；每次扣2分。
                max: 3
                rules:
                  - {id: "a", text: 未做到的，扣1分, fixed: 1}
                  - {id: "b", text: 每次扣2分, per: 2}
              - code: "1.1.2"
                text: 区间与封顶
                rule_text: 视情扣1-3分；每次扣0.5-2分，扣满2分为止。
                max: 4
                rules:
                  - {id: "a", text: 视情扣1-3分, range: [1, 3]}
                  - {id: "b", text: 每次扣0.5-2分，扣满2分为止, per_range: [0.5, 2], cap: 2}
                  - {id: "c", text: 一票否决, effect: veto}
                  - {id: "d", text: 不列入优秀名单, effect: exclude_excellence}
              - code: "1.1.3"
                text: 只适用于行政执法单位
                rule_text: 酌情扣分。
                max: 5
                applies_to: [行政执法]
                rules:
                  - {id: "a", text: 酌情扣分, discretionary: true}
          - code: "1.2"
            name: 测量指标
            declared: 17
            items:
              - code: "1.2.1"
                text: 自评自查
                rule_text: 差距超过5分的，扣减2分。
                max: 2
                kind: self_check
                measure: 自评总分
                gap_over: 5
                penalty: 2
              - code: "1.2.2"
                text: 满意度
                max: 3
                kind: tiers
                measure: 满意度
                value_range: [0, 100]
                tiers:
                  - {label: 100分, min: 100, points: 3}
                  - {label: 98分（含）以上, min: 98, max: 100, points: 2}
                  - {label: 96-98分（不含）, min: 96, max: 98, points: 1}
                  - {label: 96分以下, max: 96, points: 0}
              - code: "1.2.3"
                text: 学习强国
                max: 12
                kind: monthly
                measure: 学习强国日均积分
                threshold: 36
                per_month: 1
          - code: "1.3"
            name: 惩戒分
            declared: 5
            items:
              - code: "1.3.1"
                text: 惩戒分
                max: 5
                kind: penalty
                rules:
                  - {id: "a", text: 轻处分扣2分, fixed: 2}
                  - {id: "b", text: 重处分扣5分, fixed: 5}
      - code: "2"
        name: 特色指标
        declared: 6
        indicators:
          - code: "2.1"
            name: 加分
            declared: 6
            items:
              - code: "2.1.1"
                text: 市级肯定
                rule_text: 每项得3分。
                kind: award
                cap_group: "g"
                rules:
                  - {id: "a", text: 每项得3分, per: 3}
              - code: "2.1.2"
                text: 区级肯定
                rule_from: "2.1.1"
                kind: award
                cap_group: "g"
              - code: "2.1.3"
                text: 单独上限的加分
                rule_text: 酌情加分。
                kind: award
                max: 1
                rules:
                  - {id: "a", text: 酌情加分, discretionary: true}
    notes:
      - target: "1"
        kind: subtotal
        problem: 测试用的不一致小计。
        reading: 按条目合计。
    """)

UNITS_CSV = "编号,名称,类型,标签\nA1,单位甲,机关部门,\nA2,单位乙,机关部门,行政执法\nB1,单位丙,事业单位,\n"
LEDGER_HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则\n"


def monthly_rows(unit: str, values: list[str]) -> str:
    return "".join(f"{unit},基层党建,学习强国日均积分,{month},{value}\n" for month, value in enumerate(values, 1))


def default_measures(units: tuple[str, ...] = ("A1", "A2", "B1")) -> str:
    text = "单位编号,体系,指标,月份,数值\n"
    for unit in units:
        text += f"{unit},基层党建,满意度,,100\n{unit},基层党建,自评总分,,34\n"
        text += monthly_rows(unit, ["40"] * 12)
    return text


def write_project(root: Path, *, rubric: str = MINI_RUBRIC, units: str = UNITS_CSV, ledger: str = LEDGER_HEADER,
                  measures: str | None = None, ledger_name: str = "test.csv") -> Path:
    """Write a one-year project (2022) with the mini rubric under `root`."""
    (root / "rubrics" / "2022").mkdir(parents=True, exist_ok=True)
    (root / "rubrics" / "2022" / "mini.yml").write_text(rubric, encoding="utf-8")
    scores = root / "scores" / "2022"
    (scores / "ledgers").mkdir(parents=True, exist_ok=True)
    (scores / "units.csv").write_text(units, encoding="utf-8")
    (scores / "ledgers" / ledger_name).write_text(ledger, encoding="utf-8")
    (scores / "measures.csv").write_text(default_measures() if measures is None else measures, encoding="utf-8")
    return root


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    return write_project(tmp_path)


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A copy of the shipped site (config, content, rubrics, scores) in a temporary folder."""
    target = tmp_path / "site-src"
    target.mkdir()
    for name in ("mkdocs.yml",):
        shutil.copy(REPO / name, target / name)
    for name in ("content", "rubrics", "scores"):
        shutil.copytree(REPO / name, target / name)
    return target


@pytest.fixture(autouse=True, scope="session")
def history_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the score history cache of every build in the test session out of the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("dmsite-cache")
    previous = os.environ.get("DMSITE_CACHE_DIR")
    os.environ["DMSITE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("DMSITE_CACHE_DIR", None)
    else:
        os.environ["DMSITE_CACHE_DIR"] = previous
