"""Downloads: scores and ledger rows as CSV, XLSX and JSON, opened the way a reader would open them."""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from dmsite.export import LEDGER_HEADER, SCORE_HEADER, neutralise
from dmsite.site import Settings, load_site

from .conftest import LEDGER_HEADER as LEDGER_CSV_HEADER
from .conftest import write_project

MKDOCS_YML = "site_name: 测试\ndocs_dir: content\nplugins:\n  - dmsite:\n      grades: {优秀: 34}\n"

HYPERLINK = '=HYPERLINK("http://example.invalid","点我")'
# A1: 0.1 + 0.2 on the award item 2.1.3 (max 1) gives exactly 0.3, a sum that floats get wrong.
# A2: one deduction of 1 on 1.1.1, with reasons a spreadsheet would run as formulas.
ROWS = (
    "A1,基层党建,2.1.3,0.1,市级简报采纳,简报,审核员甲,2022-05-01,,a\n"
    "A1,基层党建,2.1.3,0.2,区级简报采纳,简报,审核员甲,2022-06-01,,a\n"
    f'A2,基层党建,1.1.1,1,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",+1 记录,-审核员,2022-03-01,,a\n'
    "A2,基层党建,1.1.1,2,@SUM(1),记录,审核员乙,2022-03-02,撤销,b\n"
)


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dmsite", *args], cwd=root, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, ledger=LEDGER_CSV_HEADER + ROWS)
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def exported(project: Path) -> Path:
    result = run(project, "export", "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("已导出 4 个文件到 out：")
    return project / "out"


def sheet_xml(workbook: bytes, title: str) -> str:
    """Return the raw XML of the worksheet named `title`."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    index = book.sheetnames.index(title) + 1
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def test_csv_has_bom_and_chinese_header(exported):
    raw = (exported / "scores-2022.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(SCORE_HEADER)
    assert rows[0][:3] == ["年度", "单位编号", "单位"]
    assert b"\r\n" in raw


def test_csv_scores_are_exact(exported):
    rows = list(csv.DictReader(io.StringIO((exported / "scores-2022.csv").read_text(encoding="utf-8-sig"))))
    totals = {row["单位编号"]: row["得分"] for row in rows}
    # Baseline 34 (see conftest: measures at full marks, no awards); A1 +0.3, A2 −1.
    assert totals == {"A1": "34.3", "A2": "33", "B1": "34"}
    a1 = next(row for row in rows if row["单位编号"] == "A1")
    assert a1["满分"] == "40"
    assert a1["同类排名"] == "1"
    assert a1["同类单位数"] == "2"
    assert a1["等次"] == "优秀"


def test_ledger_csv_neutralises_formulas(exported):
    text = (exported / "ledger-2022.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(LEDGER_HEADER)
    by_reason = {row["事由"]: row for row in rows}
    assert "'" + HYPERLINK in by_reason
    assert "'@SUM(1)" in by_reason
    formula_row = by_reason["'" + HYPERLINK]
    assert formula_row["依据"] == "'+1 记录"
    assert formula_row["审核人"] == "'-审核员"
    assert formula_row["分值"] == "1"
    assert formula_row["计入"] == "1"
    assert by_reason["'@SUM(1)"]["状态"] == "撤销"
    assert by_reason["'@SUM(1)"]["计入"] == "0"
    assert by_reason["市级简报采纳"]["分值"] == "0.1"
    assert by_reason["市级简报采纳"]["计分方式"] == "加分"
    assert by_reason["市级简报采纳"]["来源"] == "scores/2022/ledgers/test.csv:2"
    assert len(rows) == 4


def test_neutralise_leaves_plain_text():
    assert neutralise("未按要求制定清单") == "未按要求制定清单"
    assert neutralise("1+1") == "1+1"
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\t=1") == "'\t=1"


def test_xlsx_sheets_frozen_and_filtered(exported):
    book = openpyxl.load_workbook(exported / "scores-2022.xlsx")
    assert book.sheetnames == ["总分", "基层党建（机关部门、事业单位）", "台账", "说明"]
    for title in ("总分", "基层党建（机关部门、事业单位）", "台账"):
        sheet = book[title]
        assert sheet.freeze_panes is not None, title
        assert sheet.freeze_panes.endswith("2"), title
        assert sheet.auto_filter.ref is not None, title
        assert sheet.auto_filter.ref.startswith("A1:"), title
    assert book["总分"].auto_filter.ref == "A1:M4"
    assert book["台账"].auto_filter.ref == "A1:P5"


def test_xlsx_numbers_are_numeric_cells(exported):
    book = openpyxl.load_workbook(exported / "scores-2022.xlsx")
    summary = book["总分"]
    header = [cell.value for cell in summary[1]]
    assert header == list(SCORE_HEADER)
    rows = {row[1].value: row for row in summary.iter_rows(min_row=2)}
    total = rows["A1"][header.index("得分")]
    assert total.data_type == "n"
    assert total.value == pytest.approx(34.3)
    assert rows["A2"][header.index("得分")].value == 33
    assert rows["A1"][header.index("同类排名")].value == 1
    assert rows["A1"][header.index("年度")].value == 2022

    rubric = book["基层党建（机关部门、事业单位）"]
    columns = [cell.value for cell in rubric[1]]
    assert columns[:4] == ["单位编号", "单位", "单位类型", "得分"]
    assert "1 共性指标" in columns
    assert "2.1.3" in columns
    a1 = next(row for row in rubric.iter_rows(min_row=2) if row[0].value == "A1")
    assert a1[columns.index("2 特色指标")].value == pytest.approx(0.3)
    assert a1[columns.index("2.1.3")].data_type == "n"
    assert a1[columns.index("1.1.3")].value == "不适用"
    a2 = next(row for row in rubric.iter_rows(min_row=2) if row[0].value == "A2")
    assert a2[columns.index("1.1.1")].value == 2
    assert a2[columns.index("1.1.3")].value == 5


def test_xlsx_decimals_have_no_float_artefacts(exported):
    raw = (exported / "scores-2022.xlsx").read_bytes()
    summary = sheet_xml(raw, "总分")
    assert "<v>34.3</v>" in summary
    rubric = sheet_xml(raw, "基层党建（机关部门、事业单位）")
    assert "<v>0.3</v>" in rubric
    ledger = sheet_xml(raw, "台账")
    assert "<v>0.1</v>" in ledger
    assert "<v>0.2</v>" in ledger
    for xml in (summary, rubric, ledger):
        assert "0000000" not in xml
        assert "9999999" not in xml


def test_xlsx_formulas_are_stored_as_text(exported):
    raw = (exported / "scores-2022.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(raw))
    ledger = book["台账"]
    header = [cell.value for cell in ledger[1]]
    cells = {row[header.index("事由")].value: row for row in ledger.iter_rows(min_row=2)}
    formula_row = cells[HYPERLINK]
    reason = formula_row[header.index("事由")]
    assert reason.data_type == "s"
    assert reason.quotePrefix
    assert formula_row[header.index("依据")].value == "+1 记录"
    assert formula_row[header.index("依据")].data_type == "s"
    assert formula_row[header.index("审核人")].value == "-审核员"
    assert cells["@SUM(1)"][header.index("事由")].data_type == "s"
    assert formula_row[header.index("分值")].data_type == "n"
    assert formula_row[header.index("日期")].value == datetime.datetime(2022, 3, 1)
    assert formula_row[header.index("日期")].is_date
    plain_reason = cells["市级简报采纳"][header.index("事由")]
    assert not plain_reason.quotePrefix
    assert "<f>" not in sheet_xml(raw, "台账")


def test_xlsx_notes_sheet_names_version(project, exported):
    book = openpyxl.load_workbook(exported / "scores-2022.xlsx")
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows() if row[0].value != "说明"}
    site = load_site(Settings(project))
    data, _ = site.scored[0]
    assert notes["年度"] == 2022
    assert notes["数据版本"] == site.version(data)
    assert notes["评分表"] == "mini：测试评分表"


def test_json_matches_score_command(project, exported):
    document = json.loads((exported / "scores-2022.json").read_text(encoding="utf-8"))
    records = json.loads(run(project, "score", "--format", "json").stdout)
    assert document["year"] == 2022
    assert sorted(document["scores"], key=lambda r: r["unit"]) == sorted(records, key=lambda r: r["unit"])
    a1 = next(record for record in document["scores"] if record["unit"] == "A1")
    assert a1["total"] == "34.3"
    assert a1["categories"] == [
        {"code": "1", "name": "共性指标", "max": "34", "score": "34"},
        {"code": "2", "name": "特色指标", "max": "6", "score": "0.3"},
    ]


def test_exports_are_reproducible(project):
    first = run(project, "export", "one")
    (project / "scores/2022/measures.csv").touch()
    second = run(project, "export", "two")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    for name in ("scores-2022.csv", "ledger-2022.csv", "scores-2022.xlsx", "scores-2022.json"):
        assert (project / "one" / name).read_bytes() == (project / "two" / name).read_bytes(), name


def test_data_version_follows_ledger(project):
    site = load_site(Settings(project))
    before = site.version(site.scored[0][0])
    ledger = project / "scores/2022/ledgers/test.csv"
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("市级简报采纳", "市级简报录用"), encoding="utf-8")
    site = load_site(Settings(project))
    after = site.version(site.scored[0][0])
    assert len(before) == 12
    assert before != after


def test_generate_writes_downloads(project):
    result = run(project, "generate", "pages")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("下载文件 4 个。")
    downloads = project / "pages" / "2022" / "downloads"
    assert sorted(path.name for path in downloads.iterdir()) == [
        "ledger-2022.csv", "scores-2022.csv", "scores-2022.json", "scores-2022.xlsx"]
    year_page = (project / "pages" / "2022" / "index.md").read_text(encoding="utf-8")
    assert "](downloads/scores-2022.xlsx)" in year_page
    assert "](downloads/ledger-2022.csv)" in year_page


def test_export_refuses_on_errors(project):
    ledger = project / "scores/2022/ledgers/test.csv"
    ledger.write_text(LEDGER_CSV_HEADER + "Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n", encoding="utf-8")
    result = run(project, "export", "out")
    assert result.returncode == 1
    assert "单位编号「Z9」不在单位名册" in result.stderr
    assert not (project / "out").exists()
