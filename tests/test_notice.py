"""The public notice (公示): status at boundary dates, option checks, and the status on built pages."""

from __future__ import annotations

import datetime

import pytest

from dmsite.errors import Location, Problems
from dmsite.notice import NoticePeriod, notice_status, parse_notice
from dmsite.plugin import DmsiteConfig
from dmsite.review import parse_review_settings

from .conftest import REPO
from .gitrepo import GitProject
from .test_provenance import AWARD, DEDUCTION, LEDGER, built, flat, write_site
from .test_site import mkdocs_build

PERIOD = NoticePeriod(2022, datetime.date(2023, 1, 9), datetime.date(2023, 1, 13))


@pytest.mark.parametrize(("day", "corrected", "status"), [
    (datetime.date(2023, 1, 8), False, "待公示"),
    (datetime.date(2023, 1, 9), False, "公示中"),
    (datetime.date(2023, 1, 13), False, "公示中"),
    (datetime.date(2023, 1, 13), True, "公示中"),
    (datetime.date(2023, 1, 14), False, "已定稿"),
    (datetime.date(2023, 1, 14), True, "已更正"),
])
def test_status_at_boundaries(day, corrected, status):
    assert notice_status(PERIOD, day, corrected) == status


def test_notice_option_is_parsed():
    problems = Problems()
    periods = parse_notice({2022: {"start": datetime.date(2023, 1, 9), "end": "2023-01-13"}}, problems,
                           Location("mkdocs.yml"))
    assert problems.errors == []
    assert periods == (PERIOD,)


def test_notice_option_errors_are_chinese():
    problems = Problems()
    parse_notice({"二〇二二": {}, 2021: {"start": "2022-01-20", "end": "2022-01-10"},
                  2022: {"start": "1月9日", "end": "2023-01-13", "until": 1}}, problems, Location("mkdocs.yml"))
    assert [str(item) for item in problems.errors] == [
        "mkdocs.yml：dmsite 插件设置「notice」的值 二〇二二 无效：键应为年度，例如 2022。请修改 mkdocs.yml 中 dmsite 插件的这项设置。",
        "mkdocs.yml：dmsite 插件设置「notice.2021.end」的值 2022-01-10 无效：早于开始日期 2022-01-20。"
        "请修改 mkdocs.yml 中 dmsite 插件的这项设置。",
        "mkdocs.yml：dmsite 插件设置「notice.2022.until」的值 1 无效：只能设置 start 和 end。"
        "请修改 mkdocs.yml 中 dmsite 插件的这项设置。",
        "mkdocs.yml：dmsite 插件设置「notice.2022.start」的值 1月9日 无效：不是有效日期，请写成 2023-01-09 的格式。"
        "请修改 mkdocs.yml 中 dmsite 插件的这项设置。",
    ]


def test_review_options_are_checked():
    problems = Problems()
    settings = parse_review_settings({"as_of": "昨天", "forge": "bitbucket", "history_depth": -1}, None, problems,
                                     Location("mkdocs.yml"))
    assert [item.message for item in problems.errors] == [
        "dmsite 插件设置「as_of」的值 昨天 无效：不是有效日期，请写成 2023-01-09 的格式",
        "dmsite 插件设置「forge」的值 bitbucket 无效：可选：auto、github、gitea、forgejo、gitlab",
        "dmsite 插件设置「history_depth」的值 -1 无效：应为 0 或正整数（0 表示不列出变更记录）",
    ]
    assert (settings.as_of, settings.forge, settings.history_depth) == (None, "auto", 50)


def notice_site(root, options: str) -> GitProject:
    """A site with the award committed on 2023-01-05 and the deduction on 2023-01-10."""
    write_site(root, AWARD)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("grades: {优秀: 34}", "grades: {优秀: 34}\n" + options),
                                     encoding="utf-8")
    project = GitProject(root)
    project.commit("录入初始台账", date="2023-01-05T10:00:00+08:00")
    project.append(LEDGER, DEDUCTION)
    project.commit("扣分", date="2023-01-10T10:00:00+08:00")
    return project


NOTICE = """\
      notice:
        2022: {start: 2023-01-09, end: 2023-01-13}
      objection_channel: 请于公示期内向街道党建办书面提出异议。
"""


def test_pages_show_status_from_latest_commit(tmp_path):
    notice_site(tmp_path, NOTICE)
    site = built(tmp_path)
    for page in ("2022/index.html", "2022/units/A1/index.html", "2022/rubrics/mini/index.html",
                 "2022/rankings/index.html"):
        text = flat(site / page)
        assert "公示状态：公示中" in text, page
        assert ("公示期 2023-01-09 至 2023-01-13（含首尾两日），数据日期 2023-01-10（最新数据提交的日期）。"
                "公示期内可以对结果提出异议。请于公示期内向街道党建办书面提出异议。") in text, page
    assert "提出异议的方式：请于公示期内向街道党建办书面提出异议。" in flat(site / "2022/objections/index.html")
    assert "本年度尚未登记异议。" in flat(site / "2022/objections/index.html")


def test_as_of_overrides_commit_date(tmp_path):
    notice_site(tmp_path, NOTICE + "      as_of: 2023-01-14\n")
    text = flat(built(tmp_path) / "2022/units/A1/index.html")
    assert "公示状态：已定稿" in text
    assert "数据日期 2023-01-14（设置的数据日期）。公示期已结束，结果已定稿。" in text


def test_correction_after_notice_marks_unit_corrected(tmp_path):
    project = notice_site(tmp_path, NOTICE)
    project.append(LEDGER, "A1,基层党建,1.1.1,1,未按时报送,督查记录,审核员乙,2023-01-16,,a,,test.csv:3,复核后改为1分\n")
    project.commit("公示后更正 A1 的扣分", date="2023-01-16T10:00:00+08:00")
    site = built(tmp_path)
    assert "公示状态：已更正" in flat(site / "2022/units/A1/index.html")
    assert "公示状态：已定稿" in flat(site / "2022/units/A2/index.html")
    assert "公示状态：已更正" in flat(site / "2022/index.html")


def test_status_without_git_uses_latest_data_date(tmp_path):
    write_site(tmp_path, AWARD + DEDUCTION)
    config = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(config.replace("grades: {优秀: 34}", "grades: {优秀: 34}\n" + NOTICE),
                                         encoding="utf-8")
    text = flat(built(tmp_path) / "2022/units/A1/index.html")
    # The latest ledger date is 2022-05-01, before the notice starts.
    assert "公示状态：待公示" in text
    assert "数据日期 2022-05-01（台账和异议登记中的最新日期）。本年度结果尚未开始公示。" in text


def test_invalid_notice_fails_build(tmp_path):
    write_site(tmp_path, AWARD)
    config = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(config.replace(
        "grades: {优秀: 34}", "grades: {优秀: 34}\n      notice:\n        2022: {start: 2023-01-13, end: 2023-01-09}"),
        encoding="utf-8")
    result = mkdocs_build(tmp_path)
    assert result.returncode != 0
    assert ("mkdocs.yml：dmsite 插件设置「notice.2022.end」的值 2023-01-09 无效：早于开始日期 2023-01-13。"
            in result.stderr)


def test_every_plugin_option_is_documented():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _ in DmsiteConfig._schema if f"`{name}`" not in readme]
    assert missing == []
