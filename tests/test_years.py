"""A two-year site built with the real `mkdocs build --strict`: year switcher, earlier totals, chart data."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from .conftest import LEDGER_HEADER, MINI_RUBRIC, UNITS_CSV, default_measures

MKDOCS_YML = textwrap.dedent("""\
    site_name: 测试站点
    docs_dir: content
    theme:
      name: material
      language: zh
      font: false
      features: [navigation.prune]
    markdown_extensions: [tables, admonition, attr_list, md_in_html]
    plugins:
      - search
      - dmsite:
          grades: {优秀: 34, 良好: 30}
    nav:
      - 首页: index.md
    """)

# A name that tries to close the chart's <script> element and open its own.
HOSTILE_NAME = "单位丁</script><script>alert(1)</script>&amp;"

# 2021: A1 loses 2 (1.1.1 rule b) → 32; B1 has no rows → 34. D1 exists only in 2021.
LEDGER_2021 = "A1,基层党建,1.1.1,2,二〇二一年扣分,记录,审核员,2021-05-01,,b\n"
UNITS_2021 = "编号,名称,类型,标签\nA1,单位甲,机关部门,\nB1,单位丙,事业单位,\nD1,单位戊,机关部门,\n"
# 2022: A1 loses 1 → 33; A2 loses 2.5 on 1.1.3 → 31.5; E1 (hostile name) earns 1 on 2.1.3 → 35.
LEDGER_2022 = ("A1,基层党建,1.1.1,1,二〇二二年扣分,记录,审核员,2022-05-01,,a\n"
               "A2,基层党建,1.1.3,2.5,执法问题,记录,审核员,2022-06-01,,a\n"
               "E1,基层党建,2.1.3,1,获得表扬,记录,审核员,2022-07-01,,a\n")
UNITS_2022 = UNITS_CSV + f"E1,{HOSTILE_NAME},机关部门,\n"


def write_year(root: Path, year: int, units: str, ledger: str, unit_ids: tuple[str, ...]) -> None:
    (root / "rubrics" / str(year)).mkdir(parents=True)
    (root / "rubrics" / str(year) / "mini.yml").write_text(MINI_RUBRIC.replace("year: 2022", f"year: {year}"),
                                                          encoding="utf-8")
    scores = root / "scores" / str(year)
    (scores / "ledgers").mkdir(parents=True)
    (scores / "units.csv").write_text(units, encoding="utf-8")
    (scores / "ledgers" / "test.csv").write_text(LEDGER_HEADER + ledger, encoding="utf-8")
    (scores / "measures.csv").write_text(default_measures(unit_ids), encoding="utf-8")


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("years")
    write_year(root, 2021, UNITS_2021, LEDGER_2021, ("A1", "B1", "D1"))
    write_year(root, 2022, UNITS_2022, LEDGER_2022, ("A1", "A2", "B1", "E1"))
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def records(two_years) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "dmsite", "score", "--format", "json"], cwd=two_years,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def page(root: Path, path: str) -> str:
    return (root / "site" / path).read_text(encoding="utf-8")


def visible(raw: str) -> str:
    body = raw.split("<article", 1)[1].split("</article>", 1)[0]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def charts(raw: str) -> list[dict]:
    """Parse every chart's JSON out of a built page."""
    found = re.findall(r'<div class="dmsite-chart" role="img" aria-label="[^"]*">'
                       r'<script type="application/json">(.*?)</script></div>', raw, flags=re.S)
    return [json.loads(text) for text in found]


def test_unit_page_shows_earlier_year_total(two_years):
    raw = page(two_years, "2022/units/A1/index.html")
    text = visible(raw)
    assert "历年得分" in text
    assert "体系 2021 年度 2022 年度" in text
    assert "基层党建 32 / 40 33 / 40" in text
    assert 'href="../../../2021/units/A1/">32</a>' in raw


def test_unit_without_earlier_year_has_no_history(two_years):
    assert "历年得分" not in visible(page(two_years, "2022/units/A2/index.html"))
    assert "历年得分" not in visible(page(two_years, "2021/units/A1/index.html"))


def test_year_switcher_links_same_page(two_years):
    raw = page(two_years, "2022/units/A1/index.html")
    switcher = re.search(r'<p class="dmsite-years">(.*?)</p>', raw, flags=re.S)
    assert switcher is not None
    assert "<strong>2022</strong>" in switcher.group(1)
    assert 'href="../../../2021/units/A1/">2021</a>' in switcher.group(1)
    ranking = page(two_years, "2021/rankings/mini/index.html")
    assert 'href="../../../2022/rankings/mini/">2022</a>' in ranking


def test_year_switcher_falls_back_to_overview(two_years):
    raw = page(two_years, "2022/units/A2/index.html")
    switcher = re.search(r'<p class="dmsite-years">(.*?)</p>', raw, flags=re.S)
    assert switcher is not None
    assert 'href="../../../2021/">2021</a>' in switcher.group(1)


def test_nav_has_both_years(two_years):
    raw = page(two_years, "index.html")
    assert "2022 年度" in raw
    assert "2021 年度" in raw


def test_year_index_links_downloads(two_years):
    raw = page(two_years, "2021/index.html")
    for name in ("scores-2021.xlsx", "scores-2021.csv", "ledger-2021.csv", "scores-2021.json"):
        assert f'href="downloads/{name}"' in raw, name
        assert (two_years / "site" / "2021" / "downloads" / name).exists(), name


def test_distribution_chart_matches_scores(two_years, records):
    raw = page(two_years, "2022/rankings/mini/index.html")
    found = charts(raw)
    assert [chart["title"] for chart in found] == ["2022 年度基层党建（机关部门）得分分布",
                                                    "2022 年度基层党建（事业单位）得分分布"]
    for chart, unit_type in zip(found, ("机关部门", "事业单位")):
        expected = {r["unit"]: r["total"] for r in records
                    if r["year"] == 2022 and r["rubric"] == "mini" and r["unit_type"] == unit_type}
        assert {unit["id"]: unit["total"] for unit in chart["units"]} == expected
        assert sum(band["count"] for band in chart["bands"]) == len(expected)
        for band in chart["bands"]:
            inside = [t for t in expected.values() if Decimal(band["low"]) <= Decimal(t) < Decimal(band["high"])
                      or Decimal(t) == Decimal(band["high"]) == Decimal(40)]
            assert band["count"] == len(inside), band
    # 机关部门 2022: A2 31.5, A1 33, E1 35; bands of 2 points (40 / 20).
    bands = {band["label"]: band["count"] for band in found[0]["bands"]}
    assert bands == {"30–32": 1, "32–34": 1, "34–36": 1}


def test_distribution_table_beside_chart(two_years):
    text = visible(page(two_years, "2022/rankings/mini/index.html"))
    assert "得分段 单位数 单位 30 ≤ 得分 < 32 1 单位乙 32 ≤ 得分 < 34 1 单位甲" in text


def test_comparison_chart_matches_scores(two_years, records):
    raw = page(two_years, "2022/units/A1/index.html")
    (chart,) = charts(raw)
    mine = next(r for r in records if r["year"] == 2022 and r["unit"] == "A1")
    peers = [r for r in records if r["year"] == 2022 and r["rubric"] == "mini" and r["unit_type"] == "机关部门"]
    assert chart["total"] == mine["total"] == "33"
    assert chart["peers"] == len(peers) == 3
    for category, expected in zip(chart["categories"], mine["categories"], strict=True):
        assert category["code"] == expected["code"]
        assert category["score"] == expected["score"]
        assert category["max"] == expected["max"]
        values = [Decimal(next(c["score"] for c in peer["categories"] if c["code"] == category["code"]))
                  for peer in peers]
        average = (sum(values) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(category["average"]) == average
    # Category 1: A1 33, A2 31.5, E1 34 → 32.83; category 2: 0, 0, 1 → 0.33.
    assert [c["average"] for c in chart["categories"]] == ["32.83", "0.33"]
    text = visible(raw)
    assert "类别 满分 本单位得分 机关部门平均（3 个单位） 1 共性指标 34 33 32.8 2 特色指标 6 0 0.3" in text


def test_chart_json_cannot_close_script(two_years):
    unit = page(two_years, "2022/units/E1/index.html").split("<article", 1)[1]
    assert "<script>alert(1)" not in unit
    assert [chart["title"] for chart in charts(unit)] == [f"{HOSTILE_NAME} 2022 年度基层党建各类别得分与机关部门平均"]
    ranking = page(two_years, "2022/rankings/mini/index.html")
    assert "<script>alert(1)" not in ranking
    names = [unit["name"] for chart in charts(ranking) for unit in chart["units"]]
    assert HOSTILE_NAME in names
    assert "\\u003c/script\\u003e" in ranking


def test_unit_page_shows_data_version(two_years):
    from dmsite.site import Settings, load_site

    site = load_site(Settings(two_years))
    versions = {data.year: site.version(data) for data, _ in site.scored}
    assert versions[2021] != versions[2022]
    assert f"数据版本：{versions[2022]}" in visible(page(two_years, "2022/units/A1/index.html"))
    assert f"数据版本：{versions[2021]}" in visible(page(two_years, "2021/units/A1/index.html"))


def test_assets_are_served_locally(two_years):
    raw = page(two_years, "2022/units/A1/index.html")
    assert 'src="../../../assets/dmsite/echarts.common.min.js"' in raw
    assert 'src="../../../assets/dmsite/charts.js"' in raw
    assert 'href="../../../assets/dmsite/print.css"' in raw
    assets = two_years / "site" / "assets" / "dmsite"
    assert (assets / "echarts.common.min.js").read_bytes().startswith(b"\n/*\n* Licensed to the Apache Software Foundation")
    assert "Apache ECharts 6.1.0" in (assets / "echarts.LICENSE.txt").read_text(encoding="utf-8")
