"""What keeps large sites fast: generated data, HTML tables, the 扣分检索 data and split builds.

Timings are measured by benchmarks/run.py, never asserted here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from dmsite.pages.tables import lift_tables, relative_href, restore_tables
from dmsite.site import Settings, load_site

from .conftest import LEDGER_HEADER, REPO, write_project
from .test_site import HOSTILE, MKDOCS_YML, mkdocs_build

GENERATE = REPO / "benchmarks" / "generate.py"
EXTENSIONS = ["toc", "tables", "admonition", "attr_list", "md_in_html"]


def generate(root: Path, scale: str = "tiny") -> Path:
    result = subprocess.run([sys.executable, str(GENERATE), "--scale", scale, str(root)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return root


def test_generated_data_passes_check(tmp_path):
    root = generate(tmp_path / "tiny")
    result = subprocess.run([sys.executable, "-m", "dmsite", "check"], cwd=root, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "校验通过：评分表 10 张，单位 16 个，" in result.stdout
    rows = sum(len(path.read_text(encoding="utf-8").splitlines()) - 1
               for path in (root / "scores/2022/ledgers").glob("*.csv"))
    assert rows == 400
    # Every unit has a region, so the site can be built in parts.
    units = (root / "scores/2022/units.csv").read_text(encoding="utf-8").splitlines()
    assert units[0] == "编号,名称,类型,标签,片区"
    assert {line.rsplit(",", 1)[1] for line in units[1:]} == {"第1片区", "第2片区"}


def test_generator_repeats_with_same_seed(tmp_path):
    first = generate(tmp_path / "first")
    second = generate(tmp_path / "second")
    for name in ("units.csv", "measures.csv", "ledgers/jcdj.csv", "ledgers/fzjs.csv"):
        assert (first / "scores/2022" / name).read_bytes() == (second / "scores/2022" / name).read_bytes(), name


def visible_html(html: str) -> str:
    """Normalise whitespace between tags, which HTML rendering ignores."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_html_tables_match_markdown_tables(tmp_path):
    rows = (f'A1,基层党建,1.1.1,1,"{HOSTILE}\n第二行",依据 *强调* `代码`,审核员,2022-03-01,,a\n'
            "A1,基层党建,1.1.1,2,撤销的记录,记录,审核员甲,2022-03-02,撤销,b\n"
            "A1,基层党建,2.1.1,3,市级肯定,通报,审核员乙,2022-04-01,,a\n")
    root = write_project(tmp_path, ledger=LEDGER_HEADER + rows)
    rendered = {}
    for html_tables in (False, True):
        site = load_site(Settings(root, html_tables=html_tables))
        assert not site.problems.errors
        pages = {page.path: page.markdown for page in site.pages()}
        rendered[html_tables] = {path: markdown.markdown(text, extensions=EXTENSIONS) for path, text in pages.items()}
    for path in ("2022/units/A1.md", "2022/units/index.md", "2022/rankings/mini.md"):
        plain, html = rendered[False][path], rendered[True][path]
        # Markdown links name .md files, which MkDocs rewrites; HTML links are already written as built.
        plain = re.sub(r'href="\.\./rubrics/mini\.md#', 'href="../../rubrics/mini/#', plain)
        plain = re.sub(r'href="\.\./units/(\w+)\.md"', r'href="../../units/\1/"', plain)
        plain = re.sub(r'href="(\w+)\.md"', r'href="\1/"', plain)
        assert visible_html(plain) == visible_html(html), path
    unit_page = rendered[True]["2022/units/A1.md"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in unit_page
    assert "<script>alert(1)" not in unit_page
    assert "[点我](javascript:alert(2))" in unit_page
    assert "依据 *强调* `代码`" in unit_page


def test_lifted_tables_come_back_unchanged():
    page = ("# 标题\n\n段落 *强调*\n\n<table>\n<thead>\n<tr><th>甲</th></tr>\n</thead>\n<tbody>\n"
            "<tr><td>&lt;b&gt; *不是强调*</td></tr>\n</tbody>\n</table>\n\n<div>\n<table>\n<thead>\n<tr><th>乙</th></tr>\n"
            "</thead>\n<tbody>\n</tbody>\n</table>\n</div>\n")
    lifted, tables = lift_tables(page, "MARKER123")
    assert len(tables) == 2
    assert "<table>" not in lifted
    spliced = restore_tables(markdown.markdown(lifted, extensions=EXTENSIONS), "MARKER123", tables)
    assert visible_html(spliced) == visible_html(markdown.markdown(page, extensions=EXTENSIONS))


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize(("page", "target"), [
    ("2022/units/JG01.md", "../rubrics/jcdj.md#item-1-1-1"),
    ("2022/units/index.md", "JG01.md"),
    ("2022/rankings/jcdj.md", "../units/JG01.md"),
    ("2022/index.md", "units/index.md"),
    ("2022/deductions.md", "units/JG01.md"),
    ("2022/units/JG01.md", "../../2021/units/JG01.md"),
])
def test_relative_href_matches_mkdocs(page, target, directory_urls):
    def url(path: str) -> str:
        return File(path, "/docs", "/site", directory_urls).url

    path, _, fragment = target.partition("#")
    resolved = os.path.normpath(os.path.join(os.path.dirname(page), path))
    expected = get_relative_url(url(resolved), url(page)) + (f"#{fragment}" if fragment else "")
    assert relative_href(page, target, directory_urls) == expected


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory) -> Path:
    root = generate(tmp_path_factory.mktemp("generated") / "project")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root


def ledger_rows(root: Path) -> list[list[str]]:
    import csv

    rows = []
    for path in sorted((root / "scores/2022/ledgers").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(list(csv.reader(handle))[1:])
    return rows


def test_unit_pages_left_out_of_search(generated_site):
    index = json.loads((generated_site / "site/search/search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "2022/units/" in locations
    assert not [location for location in locations if re.fullmatch(r"2022/units/[A-Z]{2}\d{5}/", location)]
    assert "2022/rubrics/jcdj-jiguan/" in locations


def test_deductions_data_holds_every_row(generated_site):
    data = json.loads((generated_site / "site/2022/deductions.json").read_text(encoding="utf-8"))
    rows = ledger_rows(generated_site)
    assert len(data["rows"]) == len(rows)
    found = sorted((data["units"][row[0]][0], data["items"][row[1]][1], row[2].lstrip("+-"), data["reasons"][row[4]],
                    f"{row[5] // 10000}-{row[5] // 100 % 100:02d}-{row[5] % 100:02d}") for row in data["rows"])
    written = sorted((row[0], row[2], row[3], row[4], row[7]) for row in rows)
    assert found == written
    assert data["unit_href"] == "../units/{id}/"
    withdrawn = sum(1 for row in rows if row[8] == "撤销")
    assert sum(1 for row in data["rows"] if data["statuses"][row[6]] == "已撤销") == withdrawn
    page = (generated_site / "site/2022/deductions/index.html").read_text(encoding="utf-8")
    assert 'data-src="../deductions.json"' in page
    assert "assets/dmsite/deductions.js" in page


def test_region_parts_split_unit_pages(tmp_path):
    root = generate(tmp_path / "project")
    units = [line.split(",") for line in (root / "scores/2022/units.csv").read_text(encoding="utf-8").splitlines()[1:]]
    by_region = {region: [unit[0] for unit in units if unit[4] == region] for region in ("第1片区", "第2片区")}
    for number, region in enumerate(by_region, start=1):
        config = MKDOCS_YML.replace("      banner: 示例数据\n", f"      banner: 示例数据\n      regions: {region}\n")
        config += f"site_dir: public/part{number}\n"
        (root / f"part{number}.yml").write_text(config, encoding="utf-8")
        result = mkdocs_build(root, "-f", f"part{number}.yml")
        assert result.returncode == 0, result.stderr

    for number, region in enumerate(by_region, start=1):
        site = root / "public" / f"part{number}"
        built = {path.parent.name for path in (site / "2022/units").glob("*/index.html")}
        assert built == set(by_region[region])
        manifest = json.loads((site / "dmsite-part.json").read_text(encoding="utf-8"))
        assert manifest["regions"] == [region]
        assert manifest["units"] == len(by_region[region])
        # Rankings list the part's units only, each linked to its own page.
        ranking = (site / "2022/rankings/jcdj-juminqu/index.html").read_text(encoding="utf-8")
        linked = set(re.findall(r'href="\.\./\.\./units/([A-Z]{2}\d{5})/"', ranking))
        assert linked == {unit for unit in by_region[region] if unit.startswith("JM")}

    # Ranks are those among all units of the year, in both parts.
    scores = subprocess.run([sys.executable, "-m", "dmsite", "score", "--format", "json"], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert scores.returncode == 0, scores.stderr
    record = next(r for r in json.loads(scores.stdout) if r["rubric"] == "jcdj-juminqu")
    part = 1 if record["unit"] in by_region["第1片区"] else 2
    unit_page = (root / "public" / f"part{part}" / "2022/units" / record["unit"] / "index.html").read_text(encoding="utf-8")
    assert f"排名第 {record['rank']} / {record['rank_of']}" in " ".join(re.sub(r"<[^>]+>", " ", unit_page).split())

    joined = subprocess.run([sys.executable, "-m", "dmsite", "join", str(root / "public"), "--title", "测试总站"],
                            cwd=root, capture_output=True, text=True, timeout=120)
    assert joined.returncode == 0, joined.stderr
    assert joined.stdout == f"已写入 {root / 'public' / 'index.html'}：共 2 个部分（part1、part2）。\n"
    index = (root / "public" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', index) == ["part1/", "part2/"]
    assert "第1片区" in index
    assert "第2片区" in index
    assert "<script" not in index


def test_join_without_parts_fails_in_chinese(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dmsite", "join", str(tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == (f"dmsite：错误：{tmp_path} 的子目录中没有 dmsite-part.json。请先用 years 或 regions 设置分部分"
                             f"生成站点，再把各部分的站点目录放到 {tmp_path} 下。\n")


def test_parallel_downloads_match_inline(tmp_path):
    root = generate(tmp_path / "project")
    config = MKDOCS_YML.replace("      banner: 示例数据\n", "      banner: 示例数据\n      parallel_downloads: true\n")
    (root / "parallel.yml").write_text(config + "site_dir: site-parallel\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    for extra in ((), ("-f", "parallel.yml")):
        result = mkdocs_build(root, *extra)
        assert result.returncode == 0, result.stderr
    inline = sorted(path.name for path in (root / "site/2022/downloads").iterdir())
    assert inline == ["ledger-2022.csv", "scores-2022.csv", "scores-2022.json", "scores-2022.xlsx"]
    for name in inline:
        assert (root / "site/2022/downloads" / name).read_bytes() == \
            (root / "site-parallel/2022/downloads" / name).read_bytes(), name
