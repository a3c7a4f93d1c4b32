"""Whole builds with the real `mkdocs build`, on a small project and on the shipped data."""

from __future__ import annotations

import csv
import html
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import LEDGER_HEADER, REPO, UNITS_CSV, write_project

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
          banner: 示例数据
          grades: {优秀: 34, 良好: 30}
    nav:
      - 首页: index.md
    """)

HOSTILE = '<script>alert(1)</script> [点我](javascript:alert(2)) <img src=x onerror=alert(3)> a|b'


def mkdocs_build(root: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *extra], cwd=root,
                          capture_output=True, text=True, env=env, timeout=600)


def small_site(root: Path, ledger_rows: str, units: str = UNITS_CSV) -> Path:
    write_project(root, ledger=LEDGER_HEADER + ledger_rows, units=units)
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return root


def page_text(path: Path) -> str:
    """Return the visible text of a built page's main content, with tags removed."""
    raw = path.read_text(encoding="utf-8")
    body = raw.split('<article', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_small_site_shows_deduction(tmp_path):
    rows = ("A1,基层党建,1.1.1,1,未按要求制定清单,2022年第一季度督查记录第3号,审核员甲,2022-03-01,,a\n"
            "A1,基层党建,1.1.1,2,撤销的记录,记录,审核员甲,2022-03-02,撤销,b\n")
    root = small_site(tmp_path, rows)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    text = page_text(root / "site" / "2022" / "units" / "A1" / "index.html")
    assert "未按要求制定清单" in text
    assert "2022年第一季度督查记录第3号" in text
    assert "满分 3 − 1（记录 1） = 2。" in text
    assert "撤销的记录" in text
    assert "已撤销" in text
    # 34 − 1 = 33: below the 优秀 band of 34, inside 良好.
    assert "得分 33 / 40" in " ".join(text.split())
    assert "示例数据" in text


def test_hostile_reason_is_shown_as_text(tmp_path):
    row = f'A1,基层党建,1.1.1,1,"{HOSTILE}\n第二行",依据,审核员,2022-03-01,,a\n'
    root = small_site(tmp_path, row)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    raw = (root / "site" / "2022" / "units" / "A1" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in raw
    assert "<img src=x" not in raw
    assert 'href="javascript:' not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "onerror=alert(3)&gt;" in raw
    text = page_text(root / "site" / "2022" / "units" / "A1" / "index.html")
    assert "[点我](javascript:alert(2))" in text
    assert "a|b" in text


def test_error_fails_build_with_chinese_message(tmp_path):
    root = small_site(tmp_path, "Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n")
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "dmsite：发现 1 处数据错误，站点未生成：" in result.stderr
    assert "scores/2022/ledgers/test.csv 第 2 行「单位编号」列：单位编号「Z9」不在单位名册 units.csv 中。" in result.stderr
    assert not (root / "site" / "2022").exists()


def test_unit_pages_do_not_link_every_unit(tmp_path):
    units = UNITS_CSV + "".join(f"C{n:02d},单位{n},机关部门,\n" for n in range(1, 21))
    write_project(tmp_path, units=units)
    measures = (tmp_path / "scores/2022/measures.csv").read_text(encoding="utf-8")
    for n in range(1, 21):
        measures += f"C{n:02d},基层党建,满意度,,99\nC{n:02d},基层党建,自评总分,,33\n"
        measures += "".join(f"C{n:02d},基层党建,学习强国日均积分,{m},40\n" for m in range(1, 13))
    (tmp_path / "scores/2022/measures.csv").write_text(measures, encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr
    raw = (tmp_path / "site" / "2022" / "units" / "C01" / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="\.\./(C\d\d)/"', raw))
    assert linked == set()
    index = (tmp_path / "site" / "2022" / "units" / "index.html").read_text(encoding="utf-8")
    assert len(set(re.findall(r'href="(C\d\d)/"', index))) == 20

    # The same on a site generated with the real rubrics, for every unit page.
    generated = tmp_path / "generated"
    made = subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "--scale", "tiny", str(generated)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    (generated / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    result = mkdocs_build(generated)
    assert result.returncode == 0, result.stderr
    unit_ids = [line.split(",")[0] for line in
                (generated / "scores/2022/units.csv").read_text(encoding="utf-8").splitlines()[1:]]
    for unit_id in unit_ids:
        raw = (generated / "site" / "2022" / "units" / unit_id / "index.html").read_text(encoding="utf-8")
        assert set(re.findall(r'href="\.\./([A-Z]{2}\d{5})/"', raw)) == set(), unit_id
    index = (generated / "site" / "2022" / "units" / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'href="([A-Z]{2}\d{5})/"', index)) == set(unit_ids)


def test_generate_writes_same_pages_as_plugin(tmp_path):
    root = small_site(tmp_path, "A1,基层党建,1.1.1,1,事由甲,依据,审核员,2022-03-01,,a\n")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "dmsite", "generate", str(out)], cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("已生成 ")
    unit_page = (out / "2022" / "units" / "A1.md").read_text(encoding="utf-8")
    assert "| 1 | 1\\.1\\.1（规则 a） | −1 | −1 | 事由甲 |" in unit_page
    assert (out / "2022" / "rubrics" / "mini.md").exists()
    assert (out / "2022" / "rankings" / "mini.md").exists()
    assert not (root / "content" / "2022").exists()


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory):
    from .conftest import REPO
    import shutil

    root = tmp_path_factory.mktemp("shipped")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for name in ("content", "rubrics", "scores"):
        shutil.copytree(REPO / name, root / name)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root


def test_shipped_site_has_every_page(shipped_site):
    units = list(csv.DictReader((shipped_site / "scores/2022/units.csv").open(encoding="utf-8")))
    assert len(units) >= 30
    for unit in units:
        page = shipped_site / "site" / "2022" / "units" / unit["编号"] / "index.html"
        assert page.exists(), unit["编号"]
        assert unit["名称"] in page.read_text(encoding="utf-8")
    rubrics = sorted(path.stem for path in (shipped_site / "rubrics" / "2022").glob("*.yml"))
    assert len(rubrics) == 10
    for rubric in rubrics:
        assert (shipped_site / "site" / "2022" / "rubrics" / rubric / "index.html").exists()
        assert (shipped_site / "site" / "2022" / "rankings" / rubric / "index.html").exists()


def test_shipped_site_shows_every_ledger_reason(shipped_site):
    missing = []
    for ledger in sorted((shipped_site / "scores/2022/ledgers").glob("*.csv")):
        rows = list(csv.DictReader(ledger.open(encoding="utf-8-sig")))
        for row in rows:
            text = page_text(shipped_site / "site" / "2022" / "units" / row["单位编号"] / "index.html")
            if " ".join(row["事由"].split()) not in " ".join(text.split()):
                missing.append((ledger.name, row["事由"]))
    assert missing == []


def test_shipped_site_has_no_external_resources(shipped_site):
    offenders = []
    for page in (shipped_site / "site").rglob("*.html"):
        raw = page.read_text(encoding="utf-8")
        for match in re.finditer(r'(?:src|href)="(https?:)?//([^"/]+)', raw):
            offenders.append((page.name, match.group(2)))
    assert offenders == []


def test_shipped_rubric_page_lists_notes(shipped_site):
    text = page_text(shipped_site / "site" / "2022" / "rubrics" / "yssx-shiye" / "index.html")
    assert "说明" in text
    assert "采用的解读" in text
    assert "共性指标" in text


EXPLANATIONS = {
    "deduction": "（记录 1） = ",
    "item cap": "超出条目满分，1 分不计（扣完为止）。",
    "rule cap": "最多 5 分，本条",
    "award": "加分 ",
    "shared cap": "超出的 1 分不计",
    "tiers": "落在“96-98分（不含）”档",
    "self check": "差距超过 5 分，扣减 2 分",
    "self check boundary": "差距 5 分。 差距未超过 5 分，不扣分。",
    "monthly": "各月日均积分（标准 36 分）",
    "monthly flag": "即年度平均低于 36 分，不列入考核“优秀”名单。",
    "not applicable": "不适用：本条目只适用于带有「行政执法」标签的单位，按满分计。",
    "veto": "）：本条目计 0 分。",
    "penalty": "无惩戒记录",
}


def test_shipped_site_explains_every_rule_kind(shipped_site):
    texts = [" ".join(page_text(page).split())
             for page in (shipped_site / "site" / "2022" / "units").glob("*/index.html")]
    missing = [kind for kind, phrase in EXPLANATIONS.items() if not any(phrase in text for text in texts)]
    assert missing == []


def test_hostile_unit_name_stays_out_of_title(tmp_path):
    units = UNITS_CSV.replace("A1,单位甲", 'A1,"单位</title><script>alert(9)</script>&lt;b&gt;"')
    small_site(tmp_path, "", units=units)
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr
    raw = (tmp_path / "site" / "2022" / "units" / "A1" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(9)" not in raw
    assert "<title>单位＜/title＞＜script＞alert(9)＜/script＞＆lt;b＆gt; - 测试站点</title>" in raw


def test_theme_scripts_load_nothing_external(shipped_site):
    bundles = list((shipped_site / "site" / "assets" / "javascripts").glob("bundle.*.js"))
    assert bundles
    for bundle in bundles:
        text = bundle.read_text(encoding="utf-8")
        assert "unpkg.com" not in text
        assert "data:text/javascript;base64," in text


def test_repo_link_does_not_query_forge(tmp_path):
    root = small_site(tmp_path, "")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text("repo_url: https://forge.example.invalid/kaohe/dmsite\n" + config,
                                     encoding="utf-8")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    raw = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="md-source"' in raw
    assert 'data-md-component="source"' not in raw
