"""scores/<year>/objections.csv: checks with located Chinese errors, and the generated objections page."""

from __future__ import annotations

from dmsite.load.dataset import load_project
from dmsite.pages.build import SiteOptions, build_pages, score_data

from .conftest import write_project

LEDGER_HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则,备注,更正,更正说明\n"
LEDGER = ("A1,基层党建,1.1.1,2,未按时报送,督查记录,审核员乙,2022-05-01,,b,,,\n"
          "A1,基层党建,1.1.1,1,未按时报送,督查记录,审核员乙,2023-01-12,,a,,2,复核后改为1分\n")
HEADER = "编号,单位编号,体系,条目,收到日期,异议内容,处理结果,处理日期,状态,更正记录\n"
VALID = ("Y1,A1,基层党建,1.1.1,2023-01-09,扣分偏重,复核后改为1分,2023-01-12,已更正,test.csv:3\n"
         "Y2,A2,基层党建,,2023-01-10,满意度测评有误,,,处理中,\n"
         "Y3,B1,基层党建,1.2.2,2023-01-10,测评分档不对,经核对分档无误,2023-01-11,维持原评分,\n")


def load(root, rows: str):
    write_project(root, ledger=LEDGER_HEADER + LEDGER)
    (root / "scores/2022/objections.csv").write_text(HEADER + rows, encoding="utf-8")
    return load_project(root)


def errors_of(root, rows: str) -> list[str]:
    return [str(item) for item in load(root, rows).problems.errors]


def test_valid_objections_are_loaded(tmp_path):
    project = load(tmp_path, VALID)
    assert project.problems.errors == []
    [data] = project.years.values()
    assert [(o.id, o.status, o.correction) for o in data.objections] == [
        ("Y1", "已更正", "scores/2022/ledgers/test.csv:3"), ("Y2", "处理中", None), ("Y3", "维持原评分", None)]


def test_cell_errors_name_row_and_column(tmp_path):
    rows = ("Y1,A1,基层党建,,2023-01-09,内容,,,已办结,\n"
            "Y1,A1,基层党建,,2023-01-09,内容,,2023-01-10,处理中,\n"
            "Y/3,A1,基层党建,,2023年1月9日,内容,维持,,维持原评分,\n"
            "Y4,A1,基层党建,,2023-01-09,内容,维持,2023-01-08,维持原评分,test.csv:3\n"
            "Y5,A1,党建,,2023-02-30,内容,,,处理中,\n")
    path = "scores/2022/objections.csv"
    assert errors_of(tmp_path, rows) == [
        f"{path} 第 2 行「状态」列：「状态」的值 已办结 无效。可选：处理中、维持原评分、已更正、不予受理。",
        f"{path} 第 3 行「编号」列：异议编号「Y1」重复，第一次出现在第 2 行。每条异议的编号只能出现一次。",
        f"{path} 第 3 行「处理日期」列：状态为「处理中」，但「处理日期」填了 2023-01-10。"
        "尚未办结的异议请清空「处理日期」；已办结的请把状态改为处理结果。",
        f"{path} 第 4 行「编号」列：异议编号「Y/3」含有不允许的字符。编号只能使用英文字母、数字、连字符和下划线。",
        f"{path} 第 4 行「处理日期」列：状态为「维持原评分」，但「处理日期」为空。办结的异议必须填写处理结果和处理日期。",
        f"{path} 第 5 行「更正记录」列：填写了「更正记录」，但状态是「维持原评分」。"
        "只有状态为“已更正”的异议才填写更正记录；请清空「更正记录」或修改状态。",
        f"{path} 第 5 行「处理日期」列：「处理日期」2023-01-08 早于「收到日期」2023-01-09。请核对两个日期。",
        f"{path} 第 6 行「体系」列：体系「党建」无效。可选：基层党建、党风廉政、意识形态、法治建设。",
        f"{path} 第 6 行「收到日期」列：「收到日期」的值 2023-02-30 不是有效日期。请写成 2022-03-05 的格式。",
    ]


def test_reference_errors(tmp_path):
    rows = ("Y1,Z9,基层党建,,2023-01-09,内容,,,处理中,\n"
            "Y2,A1,基层党建,9.9.9,2023-01-09,内容,,,处理中,\n"
            "Y3,A1,基层党建,,2023-01-09,内容,已更正,2023-01-12,已更正,test.csv:7\n"
            "Y4,A1,基层党建,,2023-01-09,内容,已更正,2023-01-12,已更正,第3行\n")
    path = "scores/2022/objections.csv"
    assert errors_of(tmp_path, rows) == [
        f"{path} 第 2 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。请检查编号，或先在 units.csv 中登记该单位。",
        f"{path} 第 3 行「条目」列：条目编码「9.9.9」不在评分表「mini」中。请对照评分表页面填写条目编码，例如 1.1.1。",
        f"{path} 第 4 行「更正记录」列：「更正记录」指向的记录 test.csv:7 不存在："
        "scores/2022/ledgers/test.csv:7 不是有效的台账记录。请填写台账中实施更正的那一行，写成“文件名:行号”。",
        f"{path} 第 5 行「更正记录」列：「更正记录」指向的记录 第3行 不存在：请写成“文件名:行号”，例如 jcdj.csv:12。"
        "请填写台账中实施更正的那一行，写成“文件名:行号”。",
    ]


def test_objections_page_lists_outcomes(tmp_path):
    project = load(tmp_path, VALID)
    [data] = project.years.values()
    pages = build_pages([(data, score_data(data, SiteOptions()))], SiteOptions())
    page = next(page for page in pages if page.path == "2022/objections.md").markdown
    assert "共收到 3 条异议：处理中 1 条，维持原评分 1 条，已更正 1 条，不予受理 0 条。" in page
    assert ("| Y1 | [单位甲](units/A1.md) | 基层党建 | [1\\.1\\.1](rubrics/mini.md#item-1-1-1) | 2023\\-01\\-09 | "
            "扣分偏重 | 已更正 | 复核后改为1分<br>更正记录：test\\.csv:3 | 2023\\-01\\-12 |") in page
    assert "| Y2 | [单位乙](units/A2.md) | 基层党建 | — | 2023\\-01\\-10 | 满意度测评有误 | 处理中 | — | — |" in page


def test_no_objections_file(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + LEDGER)
    [data] = load_project(tmp_path).years.values()
    pages = build_pages([(data, score_data(data, SiteOptions()))], SiteOptions())
    page = next(page for page in pages if page.path == "2022/objections.md").markdown
    assert "本年度尚未登记异议。" in page


def test_corrected_objection_needs_its_correction_row(tmp_path):
    rows = ("Y1,A1,基层党建,1.1.1,2023-01-09,扣分偏重,改为1分,2023-01-12,已更正,\n"
            "Y2,A1,基层党建,1.1.1,2023-01-09,扣分偏重,改为1分,2023-01-12,已更正,test.csv:2\n"
            "Y3,A2,基层党建,1.1.1,2023-01-09,扣分偏重,改为1分,2023-01-12,已更正,test.csv:3\n")
    path = "scores/2022/objections.csv"
    assert errors_of(tmp_path, rows) == [
        f"{path} 第 2 行「更正记录」列：状态为“已更正”，但「更正记录」为空。"
        "请填写实施更正的台账记录，写成“文件名:行号”，如 jcdj.csv:12。",
        f"{path} 第 3 行「更正记录」列：「更正记录」test.csv:2 不是单位「A1」基层党建体系的更正记录"
        "（该行的「更正」列为空，或单位、体系不同）。请填写为处理本条异议而新增的、在「更正」列注明被更正记录的那一行。",
        f"{path} 第 4 行「更正记录」列：「更正记录」test.csv:3 不是单位「A2」基层党建体系的更正记录"
        "（该行的「更正」列为空，或单位、体系不同）。请填写为处理本条异议而新增的、在「更正」列注明被更正记录的那一行。",
    ]
