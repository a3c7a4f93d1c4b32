"""The Excel round trip: the reviewers' template, filled with openpyxl, imported, checked and scored."""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from dmsite.excel import TEMPLATE_COLUMNS

from .conftest import LEDGER_HEADER, UNITS_CSV, write_project

MKDOCS_YML = "site_name: 测试\ndocs_dir: content\nplugins:\n  - dmsite: {}\n"
WHERE = "filled.xlsx「台账」工作表"


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dmsite", *args], cwd=root, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # C1 is a 居民区, which the mini rubric does not apply to.
    write_project(tmp_path, units=UNITS_CSV + "C1,单位丁,居民区,\n")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def template(project: Path) -> Path:
    result = run(project, "template", "mini", "-o", "templates/mini.xlsx")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "已生成 2022 年度「mini」的台账模板：templates/mini.xlsx\n"
    return project / "templates" / "mini.xlsx"


def fill(template: Path, rows: dict[int, list], target: Path) -> Path:
    """Write values into the 台账 sheet at the given Excel rows, the way a reviewer would."""
    book = openpyxl.load_workbook(template)
    sheet = book["台账"]
    for row_number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    book.save(target)
    return target


def validation(sheet, column: str):
    found = [dv for dv in sheet.data_validations.dataValidation if str(dv.sqref) == f"{column}2:{column}1001"]
    assert len(found) == 1, column
    return found[0]


def test_template_headers_and_sheets(template):
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["台账", "条目", "单位", "选项"]
    assert book["选项"].sheet_state == "hidden"
    ledger = book["台账"]
    assert [cell.value for cell in ledger[1]] == list(TEMPLATE_COLUMNS)
    assert [cell.value for cell in ledger[1]] == ["单位编号", "体系", "条目", "分值", "事由", "依据", "审核人", "日期",
                                                  "状态", "规则"]
    assert ledger.freeze_panes == "A2"
    # Code columns are text, so that Excel keeps 2.10 as typed; dates are dates.
    assert ledger["A2"].number_format == "@"
    assert ledger["C500"].number_format == "@"
    assert ledger["J1001"].number_format == "@"
    assert ledger["H2"].number_format == "yyyy-mm-dd"


def test_template_drop_down_lists(template):
    book = openpyxl.load_workbook(template)
    ledger = book["台账"]
    assert validation(ledger, "A").type == "list"
    assert validation(ledger, "A").formula1 == "'单位'!$A$2:$A$4"
    assert [row[0].value for row in book["单位"].iter_rows(min_row=2)] == ["A1", "A2", "B1"]
    assert validation(ledger, "B").formula1 == '"基层党建"'
    assert validation(ledger, "C").formula1 == "'选项'!$A$2:$A$8"
    options = [row[0].value for row in book["选项"].iter_rows(min_row=2, max_col=1) if row[0].value]
    # The measured items 1.2.1–1.2.3 cannot be entered in a ledger.
    assert options == ["1.1.1", "1.1.2", "1.1.3", "1.3.1", "2.1.1", "2.1.2", "2.1.3"]
    assert all(row[0].data_type == "s" for row in book["选项"].iter_rows(min_row=2, max_row=8, max_col=1))
    assert validation(ledger, "I").formula1 == '"有效,撤销"'
    assert validation(ledger, "J").formula1 == "'选项'!$B$2:$B$5"
    for column in "ABCDEFGHIJ":
        rule = validation(ledger, column)
        assert rule.showErrorMessage, column
        assert rule.errorStyle == "stop", column
        assert rule.error, column


def test_template_limits_points_and_dates(template):
    book = openpyxl.load_workbook(template)
    ledger = book["台账"]
    points = validation(ledger, "D")
    assert points.type == "decimal"
    assert points.operator == "between"
    assert points.formula1 == "0"
    assert points.formula2 == "IFERROR(VLOOKUP($C2,'条目'!$A$2:$F$11,6,FALSE),40)"
    items = book["条目"]
    header = [cell.value for cell in items[1]]
    assert header[5] == "分值上限"
    limits = {row[0].value: row[5].value for row in items.iter_rows(min_row=2)}
    assert limits == {"1.1.1": 3, "1.1.2": 4, "1.1.3": 5, "1.2.1": 2, "1.2.2": 3, "1.2.3": 12, "1.3.1": 5,
                      "2.1.1": 5, "2.1.2": 5, "2.1.3": 1}
    rules = {row[0].value: row[7].value for row in items.iter_rows(min_row=2)}
    assert rules["1.1.1"] == "a. 未做到的，扣1分：1 分\nb. 每次扣2分：每次 2 分"
    assert rules["2.1.2"] == "同 2.1.1"
    entry = {row[0].value: row[9].value for row in items.iter_rows(min_row=2)}
    assert entry["1.2.2"] == "由测量值计算，不在台账录入"
    assert entry["1.1.1"] == "可录入"
    dates = validation(ledger, "H")
    assert dates.type == "date"
    assert (dates.formula1, dates.formula2) == ("DATE(2022,1,1)", "DATE(2023,12,31)")


def test_template_for_unknown_rubric(project):
    result = run(project, "template", "nope")
    assert result.returncode == 1
    assert result.stderr == "dmsite：错误：找不到评分表「nope」。可用的评分表：mini\n"


def test_round_trip_scores_hand_computed(project, template):
    rows = {
        2: ["A1", "基层党建", "1.1.1", 1, "未按要求制定清单", "督查记录", "审核员甲", datetime.datetime(2022, 3, 1), None, "a"],
        3: ["A1", "基层党建", "1.1.2", 0.5, "会议记录不全", "记录", "审核员甲", datetime.datetime(2022, 4, 1), "", "b"],
        # Row 4 is left empty, as reviewers do.
        5: ["A1", "基层党建", "2.1.1", 3, "市级肯定", "批示", "审核员乙", "2022/5/6", "有效", "a"],
        6: ["A2", "基层党建", "1.1.3", 2.5, "执法案卷不规范\n共两处", "案卷评查", "审核员乙",
            datetime.datetime(2022, 6, 1), None, "a"],
        7: ["A1", "基层党建", "1.1.1", 2, "录错", "记录", "审核员甲", datetime.datetime(2022, 7, 1), "撤销", "b"],
    }
    filled = fill(template, rows, project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx", "-o", "scores/2022/ledgers/imported.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("已把 5 行记录（2022 年度）写入 scores/2022/ledgers/imported.csv。"
                             "放入 scores/2022/ledgers/ 后请运行 dmsite check。\n")
    assert filled.exists()

    written = list(csv.reader(io.StringIO((project / "scores/2022/ledgers/imported.csv").read_text(encoding="utf-8"))))
    assert written[0] == list(TEMPLATE_COLUMNS)
    assert written[1] == ["A1", "基层党建", "1.1.1", "1", "未按要求制定清单", "督查记录", "审核员甲", "2022-03-01", "", "a"]
    assert written[2][3] == "0.5"
    assert written[3][7] == "2022/5/6"
    assert written[4][4] == "执法案卷不规范\n共两处"
    assert len(written) == 6

    check = run(project, "check")
    assert check.returncode == 0, check.stderr
    assert "核对 2022 年：读取台账 5 行，计入 4 行，撤销 1 行，拒收 0 行" in check.stdout

    records = {r["unit"]: r for r in json.loads(run(project, "score", "--format", "json").stdout)}
    # A1: 34 − 1 (1.1.1) − 0.5 (1.1.2) + 3 (2.1.1) = 35.5; the self-assessed 34 is within 5 of 35.5.
    assert records["A1"]["total"] == "35.5"
    # A2 carries the 行政执法 tag, so 1.1.3 applies: 34 − 2.5 = 31.5.
    assert records["A2"]["total"] == "31.5"
    assert records["B1"]["total"] == "34"
    items = {item["code"]: item for item in records["A1"]["items"]}
    assert items["1.1.1"]["score"] == "2"
    assert items["1.1.2"]["score"] == "3.5"
    assert items["2.1.1"]["score"] == "3"
    assert items["1.1.1"]["entries"][1]["withdrawn"] is True


def test_import_to_stdout(project, template):
    fill(template, {2: ["B1", "基层党建", "1.1.1", 1, "事由", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"]},
         project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则\n"
                             "B1,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n")
    assert result.stderr == "已校验 1 行记录（2022 年度）。\n"


def test_item_code_stored_as_number_is_reported(project, template):
    fill(template, {3: ["A1", "基层党建", 2.1, 1, "事由", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"]},
         project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx", "-o", "out.csv")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "发现 1 处错误：",
        f"  错误 {WHERE} 第 3 行「条目」列：「条目」的值 2.1 在 Excel 中存成了数字，不是文本，可能已被改动（例如 2.10 变成 2.1）。"
        "请把该列设为“文本”格式后重新输入，或在值前加英文单引号（如 '2.10）。",
    ]
    assert not (project / "out.csv").exists()


def test_unit_id_stored_as_number_and_formula(project, template):
    fill(template, {
        2: [101, "基层党建", "1.1.1", 1, "事由", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
        4: ["A1", "基层党建", "1.1.1", "=1+0", "事由", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
    }, project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[1:] == [
        f"  错误 {WHERE} 第 2 行「单位编号」列：「单位编号」的值 101 在 Excel 中存成了数字，不是文本，可能已被改动（例如 2.10 变成 2.1）。"
        "请把该列设为“文本”格式后重新输入，或在值前加英文单引号（如 '2.10）。",
        f"  错误 {WHERE} 第 4 行「分值」列：「分值」是公式 =1+0，不是填写的值。请直接填写数字或文字，不要使用公式。",
    ]


def test_import_messages_match_check(project, template):
    """The same bad rows give the same messages from `dmsite import` and from `dmsite check`."""
    bad = {
        2: ["Z9", "基层党建", "1.1.1", 1, "事由甲", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
        3: ["A1", "基层党建", "9.9.9", 1, "事由乙", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
        4: ["A1", "基层党建", "1.1.1", 1.5, "事由丙", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
        5: ["A1", "基层党建", "1.1.1", 1, None, "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a"],
        6: ["A1", "基层党建", "1.1.1", 1, "事由丁", "依据", "审核员", "2022-13-01", None, "a"],
        7: ["A1", "基层党建", "1.1.1", 1, "事由戊", "依据", "审核员", datetime.datetime(2022, 3, 1), "作废", "a"],
    }
    fill(template, bad, project / "filled.xlsx")
    imported = run(project, "import", "filled.xlsx")
    assert imported.returncode == 1

    lines = ["单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则"]
    lines += ["Z9,基层党建,1.1.1,1,事由甲,依据,审核员,2022-03-01,,a",
              "A1,基层党建,9.9.9,1,事由乙,依据,审核员,2022-03-01,,a",
              "A1,基层党建,1.1.1,1.5,事由丙,依据,审核员,2022-03-01,,a",
              "A1,基层党建,1.1.1,1,,依据,审核员,2022-03-01,,a",
              "A1,基层党建,1.1.1,1,事由丁,依据,审核员,2022-13-01,,a",
              "A1,基层党建,1.1.1,1,事由戊,依据,审核员,2022-03-01,作废,a"]
    (project / "scores/2022/ledgers/test.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = run(project, "check")
    assert checked.returncode == 1

    def errors(stderr: str, prefix: str) -> list[str]:
        return [line.removeprefix(f"  错误 {prefix}") for line in stderr.splitlines() if line.startswith("  错误 ")]

    from_import = errors(imported.stderr, WHERE)
    from_check = errors(checked.stderr, "scores/2022/ledgers/test.csv")
    assert len(from_import) == 6
    assert from_import == from_check
    assert from_import[0] == " 第 2 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。请检查编号，或先在 units.csv 中登记该单位。"
    assert from_import[3] == " 第 5 行「事由」列：「事由」为空。请填写该单元格。"


def test_trailing_rows_and_columns(project, template):
    book = openpyxl.load_workbook(template)
    sheet = book["台账"]
    sheet.append(["A1", "基层党建", "1.1.1", 1, "事由", "依据", "审核员", datetime.datetime(2022, 3, 1), None, "a",
                  "多出的值"])
    book.save(project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx")
    assert result.returncode == 1
    # The appended row lands below the 1000 formatted template rows; its extra cell is reported, not dropped.
    assert result.stderr.splitlines()[1] == f"  错误 {WHERE} 第 1002 行 第 11 列：本行有 11 个单元格，表头有 10 列。请删除多余的单元格或补齐缺少的单元格。"


def test_missing_sheet_and_bad_file(project):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(project / "filled.xlsx")
    result = run(project, "import", "filled.xlsx")
    assert result.returncode == 1
    assert result.stderr.splitlines()[1] == (
        "  错误 filled.xlsx：找不到工作表「台账」，文件中的工作表有：Sheet1。"
        "请在 dmsite template 生成的模板中填写，记录写在「台账」工作表。")

    (project / "ledger.xlsx").write_text("单位编号,体系\n", encoding="utf-8")
    result = run(project, "import", "ledger.xlsx")
    assert result.returncode == 1
    assert result.stderr.splitlines()[1].startswith("  错误 ledger.xlsx：无法读取 Excel 文件：")


def test_import_uses_template_year(project):
    # A second year, 2021, with the same rubric and units; the template records its year.
    (project / "rubrics" / "2021").mkdir()
    rubric = (project / "rubrics" / "2022" / "mini.yml").read_text(encoding="utf-8")
    (project / "rubrics" / "2021" / "mini.yml").write_text(rubric.replace("year: 2022", "year: 2021"), encoding="utf-8")
    (project / "scores" / "2021").mkdir()
    for name in ("units.csv", "measures.csv", "ledgers"):
        source = project / "scores" / "2022" / name
        target = project / "scores" / "2021" / name
        if source.is_dir():
            target.mkdir()
            (target / "test.csv").write_text(LEDGER_HEADER, encoding="utf-8")
        else:
            target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")

    latest = run(project, "template", "mini", "-o", "latest.xlsx")
    assert latest.stdout == "已生成 2022 年度「mini」的台账模板：latest.xlsx\n"
    result = run(project, "--year", "2021", "template", "mini", "-o", "old.xlsx")
    assert result.stdout == "已生成 2021 年度「mini」的台账模板：old.xlsx\n"
    date = openpyxl.load_workbook(project / "old.xlsx")["台账"].data_validations.dataValidation
    assert [dv.formula1 for dv in date if dv.type == "date"] == ["DATE(2021,1,1)"]

    fill(project / "old.xlsx", {2: ["A1", "基层党建", "1.1.1", 1, "事由", "依据", "审核员",
                                    datetime.datetime(2021, 3, 1), None, "a"]}, project / "filled.xlsx")
    imported = run(project, "import", "filled.xlsx", "-o", "out.csv")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("已把 1 行记录（2021 年度）写入 out.csv。")
