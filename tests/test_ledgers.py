"""Reading units, ledgers and measures: accepted forms and exact error messages."""

from __future__ import annotations

from decimal import Decimal

from dmsite.load.dataset import load_project

from .conftest import LEDGER_HEADER, UNITS_CSV, default_measures, write_project

ROW = "A1,基层党建,1.1.1,1,未做到,检查记录,审核员,2022-03-01,,a\n"


def errors_of(root) -> list[str]:
    return [str(p) for p in load_project(root).problems.errors]


def test_valid_row_is_read(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW)
    data = load_project(tmp_path).years[2022]
    (entry,) = data.entries
    assert entry.unit == "A1"
    assert entry.points == Decimal(1)
    assert entry.reason == "未做到"
    assert entry.line == 2
    assert entry.rule == "a"
    assert data.rows_read == 1
    assert data.rows_rejected == 0


def test_withdrawn_status_is_kept(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace(",,a", ",撤销,a"))
    (entry,) = load_project(tmp_path).years[2022].entries
    assert entry.withdrawn


def test_optional_columns_may_be_absent(tmp_path):
    header = "单位编号,体系,条目,分值,事由,依据,审核人,日期\n"
    write_project(tmp_path, ledger=header + "A1,基层党建,1.1.1,1,未做到,检查记录,审核员,2022-03-01\n")
    (entry,) = load_project(tmp_path).years[2022].entries
    assert not entry.withdrawn
    assert entry.rule is None


def test_unknown_unit_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("A1", "Z9"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。"
        "请检查编号，或先在 units.csv 中登记该单位。"]


def test_unknown_system_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("基层党建", "党建"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「体系」列：体系「党建」无效。可选：基层党建、党风廉政、意识形态、法治建设。"]


def test_system_without_rubric_for_unit_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("基层党建", "法治建设"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「体系」列：单位「A1」（机关部门）在「法治建设」体系下没有适用的评分表。"
        "请检查单位类型或体系是否填错。"]


def test_unknown_item_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("1.1.1", "1.1.9"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「条目」列：条目编码「1.1.9」不在评分表「mini」中。"
        "请对照评分表页面填写条目编码，例如 1.1.1。"]


def test_computed_item_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,1.2.2,1,测评低,测评表,审核员,2022-03-01,,\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「条目」列：条目「1.2.2」由测量值自动计算，不能在扣分台账中录入。"
        "请在 measures.csv 中录入相应的测量值。"]


def test_points_outside_rule_are_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace(",1,未做到", ",3,未做到").replace(",,a", ",,"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：分值 3 与条目「1.1.1」的任何规则都不符。"
        "该条目的规则有：a（1 分）；b（每次 2 分）。"]


def test_points_must_fit_named_rule(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace(",1,未做到", ",2,未做到"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：分值 2 与条目「1.1.1」的任何规则都不符。"
        "该条目的规则有：a（1 分）；b（每次 2 分）。"]


def test_range_rule_bounds(tmp_path):
    rows = ("A1,基层党建,1.1.2,3,上限,记录,审核员,2022-03-01,,a\n"
            "A1,基层党建,1.1.2,3.5,超出,记录,审核员,2022-03-02,,a\n")
    write_project(tmp_path, ledger=LEDGER_HEADER + rows)
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 3 行「分值」列：分值 3.5 与条目「1.1.2」的任何规则都不符。"
        "该条目的规则有：a（1–3 分）；b（每次 0.5–2 分，最多 2 分）；c（一票否决（本条目计 0 分））；d（不列入优秀名单）。"]


def test_ambiguous_rule_with_cap_needs_rule_column(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,1.1.2,1,不明,记录,审核员,2022-03-01,,\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「规则」列：分值 1 同时符合条目「1.1.2」的多条规则（a、b），"
        "而其中有规则设有上限。请在「规则」列注明本条记录适用的规则编号。"]


def test_flag_rule_needs_zero_points(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,1.1.2,1,舆情,通报,审核员,2022-03-01,,d\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：标记类规则「d」的分值应为 0，实际为 1。"
        "“不列入优秀”“一票否决”类记录的分值请填 0。"]


def test_item_for_other_tag_is_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,1.1.3,1,执法,记录,审核员,2022-03-01,,a\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「条目」列：条目「1.1.3」只适用于带有标签「行政执法」的单位，"
        "单位「A1」没有该标签。请检查单位编号或条目编码；如单位确有该标签，请在 units.csv 的「标签」列补上。"]


def test_bad_number_and_date(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace(",1,未做到", ",一分,未做到").replace("2022-03-01", "三月一日"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：「分值」的值 一分 不是有效数字。请填写数字，例如 1 或 0.5。",
        "scores/2022/ledgers/test.csv 第 2 行「日期」列：「日期」的值 三月一日 不是有效日期。请写成 2022-03-05 的格式。"]


def test_negative_points_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace(",1,未做到", ",-1,未做到"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：「分值」的值 -1 应为正数。分值一律填正数，扣分或加分由条目类型决定。"]


def test_blank_required_cell(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("未做到", ""))
    assert errors_of(tmp_path) == ["scores/2022/ledgers/test.csv 第 2 行「事由」列：「事由」为空。请填写该单元格。"]


def test_missing_header(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER.replace(",依据", "") + "A1,基层党建,1.1.1,1,未做到,审核员,2022-03-01,,a\n")
    errors = errors_of(tmp_path)
    assert errors == ["scores/2022/ledgers/test.csv 第 1 行：缺少必填列「依据」。表头应包含：单位编号、体系、条目、分值、"
                      "事由、依据、审核人、日期（可选：状态、规则、备注、更正、更正说明）。"]


def test_misspelt_header(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER.replace("事由", "事因") + ROW)
    errors = errors_of(tmp_path)
    assert errors[0].startswith("scores/2022/ledgers/test.csv 第 1 行 第 5 列：不认识的列名「事因」。")
    assert errors[1].startswith("scores/2022/ledgers/test.csv 第 1 行：缺少必填列「事由」。")


def test_extra_cell_without_header(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.rstrip("\n") + ",多余\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行 第 11 列：本行有 11 个单元格，表头有 10 列。请删除多余的单元格或补齐缺少的单元格。"]


def test_trailing_empty_cells_are_accepted(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER.rstrip("\n") + ",,\n" + ROW.rstrip("\n") + ",,\n")
    assert errors_of(tmp_path) == []


def test_exact_duplicate_row_rejected(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW + ROW)
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 3 行：与第 2 行完全相同。"
        "重复录入请删除；确属两次相同的扣分，请在后一行的「备注」列填写“确认重复”。"]


def test_marked_duplicate_row_is_counted(tmp_path):
    header = LEDGER_HEADER.rstrip("\n") + ",备注\n"
    write_project(tmp_path, ledger=header + ROW.rstrip("\n") + ",\n" + ROW.rstrip("\n") + ",确认重复：两次检查\n")
    data = load_project(tmp_path).years[2022]
    assert [str(p) for p in load_project(tmp_path).problems.errors] == []
    assert len(data.entries) == 2


def test_gbk_ledger_scores_like_utf8(tmp_path):
    utf8 = write_project(tmp_path / "utf8", ledger=LEDGER_HEADER + ROW)
    gbk = write_project(tmp_path / "gbk", ledger="")
    (gbk / "scores/2022/ledgers/test.csv").write_bytes((LEDGER_HEADER + ROW).replace("\n", "\r\n").encode("gbk"))
    first = load_project(utf8).years[2022]
    second = load_project(gbk).years[2022]
    assert [(e.unit, e.item, e.points, e.reason) for e in first.entries] == \
           [(e.unit, e.item, e.points, e.reason) for e in second.entries]
    assert second.encodings["scores/2022/ledgers/test.csv"] == "GB18030/GBK"
    assert first.encodings["scores/2022/ledgers/test.csv"] == "UTF-8"


def test_bom_is_accepted(tmp_path):
    write_project(tmp_path, ledger="")
    (tmp_path / "scores/2022/ledgers/test.csv").write_bytes(b"\xef\xbb\xbf" + (LEDGER_HEADER + ROW).encode())
    data = load_project(tmp_path).years[2022]
    assert len(data.entries) == 1
    assert data.encodings["scores/2022/ledgers/test.csv"] == "UTF-8（带 BOM）"


def test_undecodable_file_is_rejected(tmp_path):
    write_project(tmp_path, ledger="")
    (tmp_path / "scores/2022/ledgers/test.csv").write_bytes(b"\x81\x30\xff\xff\xfe")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 1 行：无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK。"
        "请用 Excel 或 WPS 的“另存为”选择“CSV UTF-8（逗号分隔）”重新保存。"]


def test_fullwidth_digits_and_trailing_fen(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,1.1.1,１分,未做到,记录,审核员,2022年3月1日,,a\n")
    (entry,) = load_project(tmp_path).years[2022].entries
    assert entry.points == Decimal(1)
    assert entry.date.isoformat() == "2022-03-01"


def test_duplicate_unit_id(tmp_path):
    write_project(tmp_path, units=UNITS_CSV + "A1,重复单位,机关部门,\n")
    assert errors_of(tmp_path) == [
        "scores/2022/units.csv 第 5 行「编号」列：单位编号「A1」重复，第一次出现在第 2 行。每个单位编号只能登记一次。"]


def test_unit_id_cannot_name_a_path(tmp_path):
    write_project(tmp_path, units=UNITS_CSV + "../evil,坏单位,机关部门,\n")
    assert errors_of(tmp_path) == [
        "scores/2022/units.csv 第 5 行「编号」列：单位编号「../evil」含有不允许的字符。"
        "单位编号只能使用英文字母、数字、连字符和下划线。"]


def test_missing_measure_is_reported(tmp_path):
    measures = default_measures(("A1", "A2")) + "B1,基层党建,满意度,,99\n" + \
        "".join(f"B1,基层党建,学习强国日均积分,{m},40\n" for m in range(1, 12))
    write_project(tmp_path, measures=measures)
    assert errors_of(tmp_path) == [
        "scores/2022/measures.csv：单位「B1」缺少测量值「自评总分」。"
        "请在 scores/2022/measures.csv 中补录，评分表「mini」的条目「1.2.1」需要它。",
        "scores/2022/measures.csv：单位「B1」缺少测量值「学习强国日均积分」（缺 12月）。"
        "请在 scores/2022/measures.csv 中补录，评分表「mini」的条目「1.2.3」需要它。"]


def test_duplicate_measure_is_reported(tmp_path):
    write_project(tmp_path, measures=default_measures() + "A1,基层党建,满意度,,97\n")
    errors = errors_of(tmp_path)
    assert len(errors) == 1
    assert errors[0].startswith("scores/2022/measures.csv 第 44 行「指标」列：测量值重复，第一次出现在第 2 行。")


def test_fullwidth_punctuation_in_numbers(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A1,基层党建,１．１．２,０．５,事由,记录,审核员,２０２２－０３－０５,,b\n")
    (entry,) = load_project(tmp_path).years[2022].entries
    assert entry.item == "1.1.2"
    assert entry.points == Decimal("0.5")
    assert entry.date.isoformat() == "2022-03-05"


def test_line_separator_inside_cell_keeps_line_numbers(tmp_path):
    rows = "A1,基层党建,1.1.1,1,甲\u2028乙\x0c丙,记录,审核员,2022-03-01,,a\n" + ROW.replace("1,未做到", "9,未做到")
    write_project(tmp_path, ledger=LEDGER_HEADER + rows)
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 3 行「分值」列：分值 9 与条目「1.1.1」的任何规则都不符。"
        "该条目的规则有：a（1 分）；b（每次 2 分）。"]


def test_mixed_encoding_names_line(tmp_path):
    write_project(tmp_path, ledger="")
    raw = (LEDGER_HEADER + ROW).encode("utf-8") + ROW.replace("未做到", "另一行").encode("gbk")
    (tmp_path / "scores/2022/ledgers/test.csv").write_bytes(raw)
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 3 行：本行起的内容不是 UTF-8 编码，而前面的行是：文件混用了两种编码。"
        "通常是从另一个文件粘贴了 GBK 编码的行；请用 Excel 或 WPS 打开后“另存为”“CSV UTF-8（逗号分隔）”。"]


def test_discretionary_points_above_item_max(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + "A2,基层党建,1.1.3,6,执法,记录,审核员,2022-03-01,,a\n")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「分值」列：分值 6 超过条目「1.1.3」的满分 5 分。酌情扣分或加分不能超过条目满分，请核对分值。"]


def test_date_outside_assessment_year(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW.replace("2022-03-01", "2019-03-01"))
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行「日期」列：「日期」的值 2019-03-01 不在 2022 年度考核期内。"
        "2022 年度的记录日期应在 2022 年或 2023 年，请核对日期或把记录放到对应年度的台账中。"]


def test_copied_ledger_file_is_caught(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW)
    (tmp_path / "scores/2022/ledgers/test - 副本.csv").write_text(
        LEDGER_HEADER + ROW.replace(",1,未做到", ",1.00,未做到").replace("2022-03-01", "2022-3-1"), encoding="utf-8")
    assert errors_of(tmp_path) == [
        "scores/2022/ledgers/test.csv 第 2 行：与 scores/2022/ledgers/test - 副本.csv 第 2 行的内容相同（分值、日期按数值比较）。"
        "重复录入或复制了台账文件，请删除其中之一；确属两次相同的扣分，请在后一行的「备注」列填写“确认重复”。"]


def test_non_csv_ledger_file_is_reported(tmp_path):
    write_project(tmp_path, ledger=LEDGER_HEADER + ROW)
    (tmp_path / "scores/2022/ledgers/extra.xlsx").write_bytes(b"PK")
    (tmp_path / "scores/2022/ledgers/sub").mkdir()
    (tmp_path / "scores/2022/ledgers/sub/UPPER.CSV").write_text(LEDGER_HEADER + ROW.replace("A1", "A2"),
                                                                encoding="utf-8")
    project = load_project(tmp_path)
    assert [str(p) for p in project.problems.errors] == [
        "scores/2022/ledgers/extra.xlsx：台账目录中的文件不是 CSV（扩展名 .xlsx），不会被读取。"
        "请另存为“CSV UTF-8（逗号分隔）”；Excel 模板请用 dmsite import 转换；其他文件请移出 ledgers 目录。"]
    assert {entry.unit for entry in project.years[2022].entries} == {"A1", "A2"}
