"""The `dmsite` command: exit codes, summaries and output formats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from dmsite.cli import main

from .conftest import LEDGER_HEADER, write_project

MKDOCS_YML = "site_name: 测试\ndocs_dir: content\nplugins:\n  - dmsite:\n      grades: {优秀: 34}\n"


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dmsite", *args], cwd=root, capture_output=True, text=True,
                          timeout=120)


def project(root: Path, rows: str = "") -> Path:
    write_project(root, ledger=LEDGER_HEADER + rows)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return root


ROWS = ("A1,基层党建,1.1.1,1,未做到,记录,审核员,2022-03-01,,a\n"
        "A1,基层党建,2.1.1,3,市级肯定,批示,审核员,2022-04-01,,a\n"
        "A2,基层党建,1.1.1,1,录错,记录,审核员,2022-03-01,撤销,a\n")


def test_check_passes_with_summary(tmp_path):
    result = run(project(tmp_path, ROWS), "check")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "校验通过：评分表 1 张，单位 3 个，计入记录 2 行，撤销记录 1 行，解读说明 1 条。"
    assert "说明 rubrics/2022/mini.yml「1」：测试用的不一致小计。 采用的解读：按条目合计。" in lines
    assert "核对 2022 年：读取台账 3 行，计入 2 行，撤销 1 行，拒收 0 行" in lines
    assert "核对 2022 年 mini：3 个单位，计入扣分 1 分，计入加分 3 分" in lines
    assert "编码 scores/2022/ledgers/test.csv：UTF-8" in lines


def test_check_lists_every_error_and_fails(tmp_path):
    rows = ("Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n"
            "A1,基层党建,9.9.9,1,事由,依据,审核员,2022-03-01,,a\n")
    result = run(project(tmp_path, rows), "check")
    assert result.returncode == 1
    assert "发现 2 处错误：" in result.stderr
    assert "错误 scores/2022/ledgers/test.csv 第 2 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。" in result.stderr
    assert "错误 scores/2022/ledgers/test.csv 第 3 行「条目」列：条目编码「9.9.9」不在评分表「mini」中。" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("发现 2 处错误：评分表 1 张")


def test_score_json_structure(tmp_path):
    result = run(project(tmp_path, ROWS), "score", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    a1 = next(r for r in records if r["unit"] == "A1")
    assert a1["rubric"] == "mini"
    assert a1["total"] == "36"
    assert a1["rank"] == 1
    assert a1["grade"] == "优秀"
    item = next(i for i in a1["items"] if i["code"] == "1.1.1")
    assert item["max"] == "3"
    assert item["score"] == "2"
    assert item["entries"][0]["reason"] == "未做到"
    assert item["entries"][0]["source"] == "scores/2022/ledgers/test.csv:2"
    a2 = next(r for r in records if r["unit"] == "A2")
    assert a2["total"] == "34"
    assert a2["items"][0]["entries"][0]["withdrawn"] is True


def test_score_csv_and_table(tmp_path):
    root = project(tmp_path, ROWS)
    output = run(root, "score", "--format", "csv").stdout
    assert output.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(output.removeprefix("\ufeff"))))
    assert rows[0] == ["年度", "单位编号", "单位", "类型", "评分表", "体系", "得分", "满分", "排名", "等次", "标记"]
    assert ["2022", "A1", "单位甲", "机关部门", "mini", "基层党建", "36", "40", "1/2", "优秀", ""] in rows
    table = run(root, "score", "--unit", "B1").stdout.splitlines()
    assert len(table) == 2
    assert "B1" in table[1]


def test_score_refuses_on_errors(tmp_path):
    result = run(project(tmp_path, "Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n"), "score")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "单位编号「Z9」不在单位名册" in result.stderr


def test_usage_errors_are_chinese(tmp_path, capsys):
    try:
        main(["--config-file", str(tmp_path / "mkdocs.yml"), "score", "--format", "xml"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：")
    assert "dmsite：错误：" in err
    assert "无效的选项" in err


def test_help_is_chinese():
    result = subprocess.run([sys.executable, "-m", "dmsite", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("用法：dmsite")
    assert "显示本帮助并退出" in result.stdout
    assert "校验评分表" in result.stdout


def test_reconciliation_matches_page_totals():
    import re
    from decimal import Decimal

    from dmsite.site import Settings, load_site

    from .conftest import REPO

    result = subprocess.run([sys.executable, "-m", "dmsite", "check"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    pattern = re.compile(r"^核对 2022 年 (\S+)：(\d+) 个单位，计入扣分 ([\d.]+) 分，计入加分 ([\d.]+) 分$")
    reported = {m.group(1): (int(m.group(2)), Decimal(m.group(3)), Decimal(m.group(4)))
                for m in map(pattern.match, result.stdout.splitlines()) if m}
    assert len(reported) == 10
    site = load_site(Settings(REPO))
    _, scores = site.scored[0]
    for rubric_id, rubric_scores in scores.by_rubric.items():
        units, deducted, awarded = reported[rubric_id]
        assert units == len(rubric_scores)
        # Each total is its ledger-free base, less the deductions, plus the awards.
        base = Decimal(0)
        for score in rubric_scores:
            for item_score in score.items.values():
                item = item_score.item
                if item.computed:
                    base += item_score.score
                elif not item_score.applicable:
                    base += item_score.score
                elif item.kind != "award":
                    base += item_score.max
        assert sum((s.total for s in rubric_scores), Decimal(0)) == base - deducted + awarded, rubric_id


def test_every_plugin_option_is_documented():
    from dmsite.plugin import DmsiteConfig

    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _ in DmsiteConfig._schema if f"`{name}`" not in readme]
    assert missing == []
