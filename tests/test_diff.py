"""`dmsite diff` between real commits of a temporary Git repository.

The mini rubric (tests/conftest.py) totals 40; with no ledger rows and the
default measures every unit scores 34. A1 and A2 are 机关部门 (ranked
together), B1 is a 事业单位. Grades: 优秀 from 34.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import MINI_RUBRIC, write_project
from .gitrepo import GitProject

HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则,备注,更正,更正说明\n"
LEDGER = "scores/2022/ledgers/test.csv"
MKDOCS_YML = "site_name: 测试\ndocs_dir: content\nplugins:\n  - dmsite:\n      grades: {优秀: 34}\n"

AWARD = "A1,基层党建,2.1.1,3,市级肯定,批示,审核员甲,2022-04-01,,a,,,\n"
DEDUCTION = "A1,基层党建,1.1.1,2,未按时报送,督查记录,审核员乙,2022-05-01,,b,,,\n"


def repository(root: Path, rows: str) -> GitProject:
    """Create a repository whose first commit contains the mini project with these ledger rows."""
    write_project(root, ledger=HEADER + rows)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    project = GitProject(root)
    project.commit("录入初始台账")
    return project


def dmsite(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dmsite", *args], cwd=root, capture_output=True, text=True,
                          timeout=300)


def test_deduction_added(tmp_path):
    project = repository(tmp_path, AWARD)
    project.append(LEDGER, DEDUCTION)
    project.commit("扣分：未按时报送")
    result = dmsite(tmp_path, "diff", "HEAD~1", "HEAD")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("## 评分变更：")
    assert "得分变化 1 项；台账新增 1 行。" in lines
    # 3 + 34 = 37 before; 1.1.1 loses 2 of its 3 points: 35. A2 stays at 34, so A1 keeps rank 1.
    assert "| 单位甲（A1） | 基层党建（mini） | 37 | 35 | −2 | 1/2（不变） | 优秀 | — |" in lines
    assert ("| 新增 | test\\.csv 第 3 行 | A1 | 基层党建 | 1\\.1\\.1 | 2 | 未按时报送 | "
            "审核人 审核员乙，2022-05-01 |") in lines


def test_deduction_withdrawn_with_note(tmp_path):
    project = repository(tmp_path, AWARD + DEDUCTION)
    ledger = (tmp_path / LEDGER).read_text(encoding="utf-8")
    project.write(LEDGER, ledger.replace(",2022-05-01,,b,,,", ",2022-05-01,撤销,b,录错单位,,"))
    project.commit("撤销录错的扣分")
    result = dmsite(tmp_path, "diff", "HEAD~1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "得分变化 1 项；台账撤销 1 行。" in lines
    assert "| 单位甲（A1） | 基层党建（mini） | 35 | 37 | +2 | 1/2（不变） | 优秀 | — |" in lines
    assert ("| 撤销 | test\\.csv 第 3 行 | A1 | 基层党建 | 1\\.1\\.1 | 2 | 未按时报送 | "
            "审核人 审核员乙，2022-05-01；备注：录错单位 |") in lines


def test_deduction_corrected(tmp_path):
    project = repository(tmp_path, DEDUCTION)
    project.append(LEDGER, "A1,基层党建,1.1.1,1,未按时报送,督查记录,审核员乙,2022-05-03,,a,,test.csv:2,分值录错，应为1分\n")
    project.commit("更正第 2 行的分值")
    result = dmsite(tmp_path, "diff", "HEAD~1", "HEAD", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["ledger"]["corrected"] == 1
    assert report["summary"]["ledger"]["added"] == 0
    [change] = report["ledger"]
    assert change["change"] == "corrected"
    assert change["after"]["source"] == "scores/2022/ledgers/test.csv:3"
    assert change["after"]["corrects"] == "scores/2022/ledgers/test.csv:2"
    assert change["after"]["correction_note"] == "分值录错，应为1分"
    # 34 − 2 = 32 before; the correction replaces the 2 points by 1: 33.
    [score] = report["scores"]
    assert (score["unit"], score["before"], score["after"], score["change"]) == ("A1", "32", "33", "1")
    assert (score["rank_before"], score["rank_after"]) == (2, 2)
    assert (score["grade_before"], score["grade_after"]) == (None, None)

    markdown = dmsite(tmp_path, "diff", "HEAD~1", "HEAD").stdout.splitlines()
    assert ("| 更正 | test\\.csv 第 3 行 | A1 | 基层党建 | 1\\.1\\.1 | 1 | 未按时报送 | "
            "更正 test\\.csv:2：分值录错，应为1分 |") in markdown


def test_rubric_maximum_changed(tmp_path):
    project = repository(tmp_path, "")
    rubric = re.sub(r"(每次扣2分。\n\s+)max: 3", r"\1max: 4", MINI_RUBRIC)
    rubric = rubric.replace("total: 40", "total: 41").replace("declared: 34", "declared: 35")
    rubric = rubric.replace("declared: 12", "declared: 13")
    assert rubric.count("max: 4") == 2
    project.write("rubrics/2022/mini.yml", rubric)
    project.commit("1.1.1 满分改为 4 分")
    result = dmsite(tmp_path, "diff", "HEAD~1", "HEAD")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "得分变化 3 项；台账无改动；评分表改动 1 张。" in lines
    assert "- mini（测试评分表）：总分 40 → 41；条目 1\\.1\\.1 满分 3 → 4" in lines
    # Every unit gets the extra point of 1.1.1: 34 → 35.
    assert "| 单位甲（A1） | 基层党建（mini） | 34 | 35 | +1 | 1/2（不变） | 优秀 | — |" in lines
    assert "| 单位丙（B1） | 基层党建（mini） | 34 | 35 | +1 | 1/1（不变） | 优秀 | — |" in lines


def test_rank_movement_and_flag(tmp_path):
    project = repository(tmp_path, AWARD)
    project.append(LEDGER, "A1,基层党建,1.3.1,5,受到重处分,处分决定,审核员丙,2022-06-01,,b,,,\n"
                           "A2,基层党建,1.1.2,0,发生重大问题,通报,审核员丙,2022-06-02,,d,,,\n")
    project.commit("惩戒分和不列入优秀")
    result = dmsite(tmp_path, "diff", "HEAD~1", "HEAD")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # A1: 37 − 5 = 32, below A2's 34, so the two swap places; A2's flag keeps it off 优秀.
    assert "| 单位甲（A1） | 基层党建（mini） | 37 | 32 | −5 | 1/2 → 2/2（下降 1 位） | 优秀 → — | — |" in lines
    assert ("| 单位乙（A2） | 基层党建（mini） | 34 | 34 | 0 | 2/2 → 1/2（上升 1 位） | 优秀 → — | "
            "新增 不列入优秀（条目 1\\.1\\.2：发生重大问题） |") in lines


def test_row_edit_lists_changed_fields(tmp_path):
    project = repository(tmp_path, DEDUCTION)
    ledger = (tmp_path / LEDGER).read_text(encoding="utf-8")
    project.write(LEDGER, ledger.replace("未按时报送,督查记录", "未按时报送材料,督查记录第2号"))
    project.commit("补全事由")
    lines = dmsite(tmp_path, "diff", "HEAD~1").stdout.splitlines()
    assert "得分变化 0 项；台账修改 1 行。" in lines
    assert ("| 修改 | test\\.csv 第 2 行 | A1 | 基层党建 | 1\\.1\\.1 | 2 | 未按时报送材料 | "
            "事由：未按时报送 → 未按时报送材料；依据：督查记录 → 督查记录第2号 |") in lines


def test_deleted_row_is_reported_with_warning(tmp_path):
    project = repository(tmp_path, AWARD + DEDUCTION)
    project.write(LEDGER, HEADER + AWARD)
    project.commit("删除一行")
    lines = dmsite(tmp_path, "diff", "HEAD~1").stdout.splitlines()
    assert "得分变化 1 项；台账删除 1 行。" in lines
    assert any(line.startswith("| 删除 | test\\.csv 第 3 行 | A1 |") and "整行删除" in line for line in lines)
    assert any("台账只应追加新行" in line for line in lines)


def test_work_tree_is_default_head(tmp_path):
    project = repository(tmp_path, AWARD)
    project.append(LEDGER, DEDUCTION)
    result = dmsite(tmp_path, "diff", "main")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("（main） → 工作区")
    assert "| 单位甲（A1） | 基层党建（mini） | 37 | 35 | −2 | 1/2（不变） | 优秀 | — |" in result.stdout


def test_no_changes(tmp_path):
    repository(tmp_path, AWARD)
    result = dmsite(tmp_path, "diff", "HEAD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == "两个版本之间没有影响评分的改动。"


def test_data_errors_fail_with_revision_named(tmp_path):
    project = repository(tmp_path, AWARD)
    project.append(LEDGER, "Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a,,,\n")
    result = dmsite(tmp_path, "diff", "HEAD")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "版本 工作区 的数据有 1 处错误，无法比较：" in result.stderr
    assert ("  错误 scores/2022/ledgers/test.csv 第 3 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。"
            in result.stderr)


def test_unknown_revision_and_no_repository(tmp_path):
    repository(tmp_path / "repo", AWARD)
    result = dmsite(tmp_path / "repo", "diff", "no-such-branch")
    assert result.returncode == 1
    assert "dmsite：找不到版本「no-such-branch」" in result.stderr

    plain = tmp_path / "plain"
    write_project(plain, ledger=HEADER)
    (plain / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    result = dmsite(plain, "diff", "HEAD")
    assert result.returncode == 1
    assert "不在有提交记录的 Git 仓库中，无法比较版本。" in result.stderr
