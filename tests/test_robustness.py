"""Random and hostile input: loading never crashes, builds are reproducible."""

from __future__ import annotations

import csv
import filecmp
import io
import os
import subprocess
import sys
from pathlib import Path

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmsite.errors import Location, Problems
from dmsite.load.dataset import _report_unknown_item
from dmsite.model import Rubric
from dmsite.site import Settings, load_site

from .conftest import LEDGER_HEADER, MINI_RUBRIC, write_project

UNITS = ["A1", "A2", "B1", "Z9", "", "../x", "７"]
SYSTEMS = ["基层党建", "法治建设", "", "党建"]
ITEMS = ["1.1.1", "1.1.2", "1.1.3", "1.2.2", "1.3.1", "2.1.1", "2.1.3", "9.9", "", "2022/1/1"]
POINTS = ["1", "0", "0.5", "2", "3", "-1", "1.25", "1.125", "一", "", "１分", "1e3", "NaN"]
DATES = ["2022-03-01", "2022/3/1", "2022年3月1日", "2022-02-30", "44621", ""]
STATUSES = ["", "有效", "撤销", "作废"]
RULES = ["", "a", "b", "c", "d", "z"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)

row = st.tuples(st.sampled_from(UNITS), st.sampled_from(SYSTEMS), st.sampled_from(ITEMS), st.sampled_from(POINTS),
                TEXT, TEXT, st.sampled_from(["审核员", ""]), st.sampled_from(DATES), st.sampled_from(STATUSES),
                st.sampled_from(RULES))


def ledger_text(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for values in rows:
        writer.writerow(values)
    return LEDGER_HEADER + buffer.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=12))
def test_random_ledgers_score_or_report(tmp_path_factory, rows):
    root = write_project(tmp_path_factory.mktemp("fuzz"), ledger=ledger_text(rows))
    site = load_site(Settings(root))
    if site.problems.errors:
        assert site.scored == []
        for problem in site.problems.errors:
            assert problem.location.path
            assert problem.message
        return
    # Every row read is either counted (or withdrawn) or was reported.
    data = site.scored[0][0]
    assert data.rows_read == len(data.entries)
    for page in site.pages():
        markdown.markdown(page.markdown, extensions=["tables", "admonition", "attr_list", "md_in_html"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_crash_loading(tmp_path_factory, raw):
    root = write_project(tmp_path_factory.mktemp("bytes"))
    (root / "scores/2022/ledgers/test.csv").write_bytes(LEDGER_HEADER.encode() + raw)
    site = load_site(Settings(root))
    assert site.scored == [] or not site.problems.errors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_random_rubric_text_never_crashes(tmp_path_factory, text):
    root = write_project(tmp_path_factory.mktemp("yaml"))
    (root / "rubrics/2022/mini.yml").write_text(MINI_RUBRIC[:400] + text, encoding="utf-8")
    site = load_site(Settings(root))
    assert site.scored == [] or not site.problems.errors


def test_unknown_code_without_excel_candidate():
    data = {"id": "t", "year": 2022, "system": "基层党建", "title": "t", "source": "t", "unit_types": ["机关部门"],
            "total": 10, "categories": [{"code": "2", "name": "类", "indicators": [{
                "code": "2.0", "name": "指标", "items": [
                    {"code": f"2.{n}", "text": "条目", "max": 1, "rules": [{"id": "a", "text": "扣1分", "fixed": 1}]}
                    for n in range(1, 11)]}]}]}
    rubric = Rubric.model_validate(data)
    problems = Problems()
    _report_unknown_item(rubric, "2.100", Location("ledger.csv", 2, field="条目"), problems)
    assert [str(p) for p in problems] == [
        "ledger.csv 第 2 行「条目」列：条目编码「2.100」不在评分表「t」中。请对照评分表页面填写条目编码，例如 1.1.1。"]


def test_excel_number_hint_names_candidate():
    data = {"id": "t", "year": 2022, "system": "基层党建", "title": "t", "source": "t", "unit_types": ["机关部门"],
            "total": 1, "categories": [{"code": "2", "name": "类", "indicators": [{
                "code": "2.0", "name": "指标", "items": [
                    {"code": "2.10", "text": "条目", "max": 1, "rules": [{"id": "a", "text": "扣1分", "fixed": 1}]}]}]}]}
    problems = Problems()
    _report_unknown_item(Rubric.model_validate(data), "2.1", Location("ledger.csv", 2, field="条目"), problems)
    assert [str(p) for p in problems] == [
        "ledger.csv 第 2 行「条目」列：条目编码「2.1」不在评分表「t」中，疑似被 Excel 当成数字去掉了末尾的 0"
        "（原编码可能是「2.10」）。请把该列设为“文本”格式后重新填写「2.10」，或在编码前加英文单引号。"]


def test_two_builds_are_byte_identical(tmp_path):
    root = write_project(tmp_path / "project",
                         ledger=LEDGER_HEADER + "A1,基层党建,1.1.1,1,事由,依据,审核员,2022-05-06,,a\n")
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: 测试\nsite_url: https://scores.example.invalid/\ndocs_dir: content\n"
        "theme: {name: material, language: zh, font: false}\nplugins: [search, dmsite]\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    for name in ("first", "second"):
        result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / name)],
                                cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    comparison = filecmp.dircmp(tmp_path / "first", tmp_path / "second")
    assert _differences(comparison) == []
    sitemap = (tmp_path / "first" / "sitemap.xml").read_text(encoding="utf-8")
    # The build is dated by the latest ledger date, not by the clock.
    assert "<lastmod>2022-05-06</lastmod>" in sitemap


def _differences(comparison: filecmp.dircmp) -> list[str]:
    found = [*comparison.left_only, *comparison.right_only]
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    found += mismatch + errors
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found
