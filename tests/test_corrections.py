"""Corrections (更正): a ledger row that replaces an earlier one, its checks and how pages show it."""

from __future__ import annotations

import subprocess
import sys

from dmsite.load.dataset import load_project
from dmsite.pages.build import SiteOptions, build_pages, score_data

from .conftest import write_project

HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则,备注,更正,更正说明\n"
ORIGINAL = "A1,基层党建,1.1.1,2,未按时报送,督查记录,审核员乙,2022-05-01,,b,,,\n"


def errors_of(root, rows: str, other: str | None = None) -> list[str]:
    write_project(root, ledger=HEADER + rows)
    if other is not None:
        (root / "scores/2022/ledgers/other.csv").write_text(HEADER + other, encoding="utf-8")
    return [str(item) for item in load_project(root).problems.errors]


def correction(target: str, note: str = "分值录错，应为1分", unit: str = "A1", status: str = "") -> str:
    return f"{unit},基层党建,1.1.1,1,未按时报送,督查记录,审核员乙,2022-05-03,{status},a,,{target},{note}\n"


def test_correction_replaces_original(tmp_path):
    assert errors_of(tmp_path, ORIGINAL + correction("test.csv:2")) == []
    project = load_project(tmp_path)
    [data] = project.years.values()
    original, replacement = sorted(data.entries, key=lambda entry: entry.line)
    assert original.corrected_by == "scores/2022/ledgers/test.csv:3"
    assert original.inactive
    assert replacement.corrects == "scores/2022/ledgers/test.csv:2"
    scores = score_data(data, SiteOptions())
    # 1.1.1 has 3 points: only the correction's 1 point is deducted, not the original 2.
    assert scores.get("A1", "mini").items["1.1.1"].score == 2
    assert scores.get("A1", "mini").total == 33


def test_reference_forms(tmp_path):
    assert errors_of(tmp_path, ORIGINAL + correction("2")) == []
    assert errors_of(tmp_path, ORIGINAL + correction("ledgers/test.csv：2")) == []
    assert errors_of(tmp_path, ORIGINAL, other=correction("test.csv:2")) == []


def test_withdrawn_correction_restores_original(tmp_path):
    errors_of(tmp_path, ORIGINAL + correction("test.csv:2", status="撤销"))
    [data] = load_project(tmp_path).years.values()
    assert all(not entry.superseded for entry in data.entries)
    assert score_data(data, SiteOptions()).get("A1", "mini").total == 32


def test_reference_errors_name_row_and_column(tmp_path):
    where = "scores/2022/ledgers/test.csv 第 3 行「更正」列"
    assert errors_of(tmp_path / "a", ORIGINAL + correction("test.csv:第2行")) == [
        f"{where}：「更正」的值 test.csv:第2行 格式无效。请写成“文件名:行号”（例如 jcdj.csv:12），"
        "同一文件中的记录也可以只写行号；行号即 Excel 中的行号。"]
    assert errors_of(tmp_path / "b", ORIGINAL + correction("jcdj.csv:2")) == [
        f"{where}：「更正」指向的记录 jcdj.csv:2 不存在：本年度没有台账文件 jcdj.csv，台账文件有：test.csv。"
        "请核对文件名和行号，行号即 Excel 中的行号。"]
    assert errors_of(tmp_path / "c", ORIGINAL + correction("test.csv:9")) == [
        f"{where}：「更正」指向的记录 test.csv:9 不存在：test.csv:9 不是有效的台账记录（空行、表头或有错误的行）。"
        "请核对文件名和行号，行号即 Excel 中的行号。"]
    assert errors_of(tmp_path / "d", ORIGINAL + correction("test.csv:3")) == [
        f"{where}：记录不能更正自己（test.csv:3）。请填写被更正的那一行的文件名和行号。"]
    assert errors_of(tmp_path / "e", ORIGINAL + correction("test.csv:2", unit="A2")) == [
        f"{where}：被更正的记录 test.csv:2 是单位 A1、基层党建体系的记录，与本行不是同一单位、同一体系。"
        "更正只能替换同一单位、同一体系的记录；记错单位或体系的，请撤销原记录后另行录入。"]


def test_duplicate_withdrawn_and_note_errors(tmp_path):
    assert errors_of(tmp_path / "a", ORIGINAL + correction("2") + correction("2", note="再次更正")) == [
        "scores/2022/ledgers/test.csv 第 4 行「更正」列：记录 test.csv:2 已被 test.csv:3 更正。"
        "一条记录只能被更正一次；需要再次更正时，请更正最新的那条更正记录。"]
    withdrawn = ORIGINAL.replace(",2022-05-01,,b,", ",2022-05-01,撤销,b,")
    assert errors_of(tmp_path / "b", withdrawn + correction("2")) == [
        "scores/2022/ledgers/test.csv 第 3 行「更正」列：被更正的记录 test.csv:2 已撤销。"
        "已撤销的记录不计分，无需更正；请清空「更正」或改为更正其他记录。"]
    assert errors_of(tmp_path / "c", ORIGINAL + correction("2", note="")) == [
        "scores/2022/ledgers/test.csv 第 3 行「更正说明」列：填写了「更正」，但「更正说明」为空。"
        "请在「更正说明」中写明更正的原因。"]
    assert errors_of(tmp_path / "d", ORIGINAL + correction("", note="多写的说明")) == [
        "scores/2022/ledgers/test.csv 第 3 行「更正说明」列：填写了「更正说明」，但「更正」为空。"
        "请在「更正」中写明被更正的记录（文件名:行号），或清空「更正说明」。"]


def test_chain_is_allowed_and_cycle_is_rejected(tmp_path):
    assert errors_of(tmp_path / "a", ORIGINAL + correction("2") + correction("3", note="第二次更正")) == []
    [data] = load_project(tmp_path / "a").years.values()
    assert [entry.inactive for entry in sorted(data.entries, key=lambda entry: entry.line)] == [True, True, False]

    rows = (ORIGINAL + "A1,基层党建,1.1.1,1,甲,记录,审核员,2022-05-03,,a,,4,互相更正\n"
            "A1,基层党建,1.1.1,1,乙,记录,审核员,2022-05-04,,a,,3,互相更正\n")
    assert errors_of(tmp_path / "b", rows) == [
        "scores/2022/ledgers/test.csv 第 3 行「更正」列：更正关系形成循环：test.csv:3 → test.csv:4 → test.csv:3。"
        "请检查这些行的「更正」列，一条记录不能直接或间接更正自己。"]


def test_unit_page_strikes_original_and_shows_note(tmp_path):
    write_project(tmp_path, ledger=HEADER + ORIGINAL + correction("2", note="分值录错<b>，应为1分"))
    [data] = load_project(tmp_path).years.values()
    pages = build_pages([(data, score_data(data, SiteOptions()))], SiteOptions())
    page = next(page for page in pages if page.path == "2022/units/A1.md").markdown
    rows = {line.split(" | ", 1)[0]: line for line in page.splitlines() if line.startswith(("| 1 |", "| 2 |"))}
    original, replacement = rows["| 1"], rows["| 2"]
    assert "| −<del>2</del> |" in original
    assert "| <del>未按时报送</del> | <del>督查记录</del> | 审核员乙 | 2022\\-05\\-01 |" in original
    assert original.endswith('| 已被记录 2 更正，不计分 | <span class="dmsite-source">来源信息不可用</span> |')
    assert "| 未按时报送<br>更正说明：分值录错&lt;b&gt;，应为1分 | 督查记录 | 审核员乙 | 2022\\-05\\-03 |" in replacement
    assert replacement.endswith('| 有效；更正记录 1 | <span class="dmsite-source">来源信息不可用</span> |')


def test_check_counts_corrected_rows(tmp_path):
    write_project(tmp_path, ledger=HEADER + ORIGINAL + correction("2"))
    (tmp_path / "mkdocs.yml").write_text("site_name: 测试\nplugins:\n  - dmsite\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "dmsite", "check"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "核对 2022 年：读取台账 2 行，计入 1 行，撤销 0 行，被更正 1 行，拒收 0 行" in result.stdout.splitlines()
