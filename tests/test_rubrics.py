"""Rubric loading: the ten shipped tables and the errors bad YAML produces."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dmsite.errors import Problems
from dmsite.load.rubrics import effective_max, load_rubric

from .conftest import MINI_RUBRIC, REPO

SHIPPED = sorted((REPO / "rubrics" / "2022").glob("*.yml"))

# Expected shape of each official table: system, unit types, number of items.
EXPECTED = {
    "jcdj-jiguan": ("基层党建", ("机关部门", "事业单位"), 34),
    "jcdj-juminqu": ("基层党建", ("居民区",), 36),
    "jcdj-liangxin": ("基层党建", ("两新组织",), 35),
    "dflz-jiguan": ("党风廉政", ("机关部门",), 13),
    "dflz-shiye": ("党风廉政", ("事业单位",), 13),
    "dflz-juminqu": ("党风廉政", ("居民区",), 13),
    "yssx-shiye": ("意识形态", ("事业单位",), 25),
    "yssx-juminqu": ("意识形态", ("居民区",), 26),
    "fzjs-shiye": ("法治建设", ("事业单位",), 13),
    "fzjs-juminqu": ("法治建设", ("居民区",), 6),
}


def load(path: Path):
    problems = Problems()
    rubric = load_rubric(path, path.name, problems)
    return rubric, problems


def test_ten_rubrics_shipped():
    assert sorted(path.stem for path in SHIPPED) == sorted(EXPECTED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_rubric_loads_clean(path):
    rubric, problems = load(path)
    assert [str(p) for p in problems.errors] == []
    assert rubric is not None
    system, unit_types, items = EXPECTED[rubric.id]
    assert rubric.system == system
    assert rubric.unit_types == unit_types
    assert len(rubric.items()) == items


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_item_maxima_add_up_to_total(path):
    rubric, _ = load(path)
    assert rubric.total == Decimal(100)
    assert effective_max(rubric, rubric.items()) == rubric.total


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_declared_subtotals_match_or_are_noted(path):
    rubric, _ = load(path)
    noted = {note.target for note in rubric.notes if note.kind == "subtotal"}
    for category in rubric.categories:
        nodes = [(category.code, category.declared, [i for ind in category.indicators for i in ind.items])]
        nodes += [(ind.code, ind.declared, list(ind.items)) for ind in category.indicators]
        for code, declared, items in nodes:
            if declared is not None and declared != effective_max(rubric, items):
                assert code in noted, f"{rubric.id} {code}: declared {declared} without a subtotal note"


def test_ideology_subtotal_reading():
    # The 事业单位 table prints 2 for 自评自查情况 although its points are 2 + 3,
    # and its 共性指标 column adds up to 77 instead of the declared 80.
    rubric, _ = load(REPO / "rubrics" / "2022" / "yssx-shiye.yml")
    indicator = next(ind for cat in rubric.categories for ind in cat.indicators if ind.name == "自评自查情况")
    assert indicator.declared == Decimal(2)
    assert effective_max(rubric, list(indicator.items)) == Decimal(5)
    assert {note.target for note in rubric.notes if note.kind == "subtotal"} >= {indicator.code}


def test_shared_rule_cells_are_attached_to_each_row():
    rubric, _ = load(REPO / "rubrics" / "2022" / "jcdj-jiguan.yml")
    first = rubric.item("2.3.1")
    for code in ("2.3.2", "2.3.7"):
        item = rubric.item(code)
        assert item.rule_from == "2.3.1"
        assert item.rule_text == first.rule_text
        assert item.rules == first.rules


def test_codes_are_strings_everywhere():
    for path in SHIPPED:
        rubric, _ = load(path)
        for category in rubric.categories:
            assert isinstance(category.code, str)
            for indicator in category.indicators:
                assert isinstance(indicator.code, str)
                for item in indicator.items:
                    assert isinstance(item.code, str)
                    assert all(isinstance(rule.id, str) for rule in item.rules)


def test_satisfaction_tiers_reading_is_noted():
    rubric, _ = load(REPO / "rubrics" / "2022" / "jcdj-jiguan.yml")
    item = rubric.item("1.5.1")
    assert [tier.points for tier in item.tiers] == [Decimal(3), Decimal(2), Decimal(1), Decimal(0)]
    assert any(note.target == "1.5.1" and note.kind == "tiers" for note in rubric.notes)


def errors_for(tmp_path: Path, text: str, name: str = "mini.yml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    rubric = load_rubric(path, name, problems)
    assert rubric is None
    return [str(p) for p in problems.errors]


def test_mini_rubric_loads(tmp_path):
    path = tmp_path / "mini.yml"
    path.write_text(MINI_RUBRIC, encoding="utf-8")
    rubric, problems = load(path)
    assert rubric is not None, [str(p) for p in problems]
    assert effective_max(rubric, rubric.items()) == Decimal(40)


def test_duplicate_key_names_both_lines(tmp_path):
    text = MINI_RUBRIC.replace("year: 2022\n", "year: 2022\nyear: 2023\n")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 3 行 第 1 列：键「year」重复出现，上一次在第 2 行。请删除或合并重复的键。"]


def test_unquoted_code_is_rejected(tmp_path):
    text = MINI_RUBRIC.replace('- code: "1.1"\n', "- code: 1.1\n", 1)
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 15 行 第 15 列：编码 1.1 没有加引号，会被当成数字。"
        "编码必须是字符串，请写成带引号的形式，例如 \"1.1\"。"]


def test_tab_indentation_is_rejected(tmp_path):
    text = MINI_RUBRIC.replace("    name: 共性指标", "\tname: 共性指标")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 12 行 第 1 列：行首使用了制表符（Tab）缩进。YAML 只能用空格缩进，请把制表符替换为空格。"]


def test_fullwidth_colon_is_rejected(tmp_path):
    text = MINI_RUBRIC.replace("total: 40", "total：40")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 7 行 第 6 列：键名后使用了全角冒号“：”：total：40。YAML 的键与值之间必须用半角冒号“:”加一个空格。"]


def test_item_without_max_is_rejected(tmp_path):
    text = MINI_RUBRIC.replace("            max: 3\n", "", 1)
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 19 行 第 13 列：「categories.0.indicators.0.items.0」（编码 1.1.1）无效："
        "条目必须有 max，或属于某个共享上限组 cap_group。请按评分表格式说明修改。"]


def test_missing_field_is_reported(tmp_path):
    text = MINI_RUBRIC.replace("title: 测试评分表\n", "")
    assert errors_for(tmp_path, text) == ["mini.yml 第 1 行 第 1 列：缺少必填字段「title」。请补上该字段。"]


def test_unknown_field_is_rejected(tmp_path):
    text = MINI_RUBRIC.replace("total: 40", "total: 40\ntotl: 40")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 8 行 第 7 列：不认识的字段「totl」。请检查字段名拼写，可用字段见评分表格式说明。"]


def test_total_mismatch_is_reported(tmp_path):
    text = MINI_RUBRIC.replace("total: 40", "total: 100")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 7 行 第 8 列：各条目满分之和为 40，与声明的总分 100 不符。"
        "请核对条目分值；若原表本身不一致，请在 notes 中记录所采用的解读（kind: subtotal）。"]


def test_unnoted_subtotal_mismatch_is_reported(tmp_path):
    text = MINI_RUBRIC.replace("        declared: 17\n", "        declared: 18\n")
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 44 行 第 19 列：「测量指标」声明 18 分，但下属条目合计 17 分，且没有说明。"
        "请在 notes 中为「1.2」添加 kind: subtotal 的说明，写明采用的解读和理由。"]


def test_overlapping_tiers_are_reported(tmp_path):
    text = MINI_RUBRIC.replace("{label: 98分（含）以上, min: 98, max: 100, points: 2}",
                               "{label: 98分（含）以上, min: 98, max: 100, max_inclusive: true, points: 2}")
    errors = errors_for(tmp_path, text)
    assert errors == ["mini.yml 第 62 行 第 17 列：分档区间有误：100 同时落在 100分、98分（含）以上。"
                      "请检查各档的上下限与“含/不含”，或在 notes 中记录解读。"]


def test_rule_from_must_exist(tmp_path):
    text = MINI_RUBRIC.replace('rule_from: "2.1.1"', 'rule_from: "9.9.9"')
    assert errors_for(tmp_path, text) == [
        "mini.yml 第 100 行 第 24 列：扣分方式引用的条目「9.9.9」不存在或本身也是引用。"
        "rule_from 必须指向本表中直接写明扣分方式的条目。"]


def test_rule_needs_exactly_one_amount(tmp_path):
    text = MINI_RUBRIC.replace("{id: \"a\", text: 未做到的，扣1分, fixed: 1}",
                               "{id: \"a\", text: 未做到的，扣1分, fixed: 1, per: 1}")
    errors = errors_for(tmp_path, text)
    assert errors == [
        "mini.yml 第 24 行 第 17 列：「categories.0.indicators.0.items.0.rules.0」（编码 a）无效："
        "每条规则必须且只能写一种分值：fixed、per、range、per_range 或 discretionary。请按评分表格式说明修改。"]


def test_yaml_syntax_error_has_position(tmp_path):
    text = MINI_RUBRIC.replace("title: 测试评分表", "title: [测试评分表")
    errors = errors_for(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].startswith("mini.yml 第 ")
    assert "YAML 语法错误" in errors[0]


def test_rubric_year_must_match_folder(tmp_path):
    folder = tmp_path / "2023"
    folder.mkdir()
    path = folder / "mini.yml"
    path.write_text(MINI_RUBRIC, encoding="utf-8")
    problems = Problems()
    assert load_rubric(path, "rubrics/2023/mini.yml", problems) is None
    assert [str(p) for p in problems.errors] == [
        "rubrics/2023/mini.yml 第 2 行 第 7 列：评分表的年度 year: 2022 与所在目录 2023 不一致。"
        "复制上一年度的评分表后，请把 year 改为 2023，或把文件放到 rubrics/2022/ 下。"]
