"""Charts and the printed score sheet in real headless Chromium, on a built two-year site."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_years import two_years  # noqa: F401  (module-scoped fixture: the built site)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")

if not (CHROMIUM and PDFTOTEXT):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install chromium and poppler-utils (see .ci/run)")
    pytest.skip("needs chromium and pdftotext (Debian packages chromium, poppler-utils)", allow_module_level=True)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    # The flags keep Chromium off the network, which this machine does not have.
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def printed(two_years, tmp_path_factory) -> tuple[str, str]:  # noqa: F811
    """Print the 2022 unit page of A1 to PDF; return its text and pdfinfo's report."""
    folder = tmp_path_factory.mktemp("print")
    pdf = folder / "A1.pdf"
    url = (two_years / "site" / "2022" / "units" / "A1" / "index.html").as_uri()
    result = chromium(folder / "profile", "--no-pdf-header-footer", "--virtual-time-budget=5000",
                      f"--print-to-pdf={pdf}", url)
    assert pdf.exists(), result.stderr
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    return text, info


def test_charts_render_as_svg(two_years, tmp_path):  # noqa: F811
    url = (two_years / "site" / "2022" / "rankings" / "mini" / "index.html").as_uri()
    result = chromium(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", url)
    dom = result.stdout
    boxes = dom.split('<div class="dmsite-chart"')[1:]
    assert len(boxes) == 2, result.stderr
    for box in boxes:
        assert 'data-drawn="1"' in box.split(">", 1)[0]
        assert "<svg" in box.split("</div></div>", 1)[0]
    # ECharts writes its own description of the chart for screen readers.
    assert "单位数" in dom


def test_print_is_a4_sheet(printed):
    _, info = printed
    assert "(A4)" in info


def test_print_has_score_sheet_contents(printed):
    text, _ = printed
    flat = " ".join(text.split())
    assert "单位甲" in flat
    assert "单位编号 单位类型 标签 年度 A1 机关部门 无 2022" in flat
    assert "得分 33 / 40" in flat
    assert "二〇二二年扣分" in flat
    assert "1.1.1" in flat
    assert "数据版本：" in flat
    assert "打印日期：20" in flat


def test_print_hides_navigation_and_charts(printed):
    text, _ = printed
    flat = " ".join(text.split())
    # The site name is only in the header, the year list only in the switcher, 首页 only in the nav.
    assert "测试站点" not in flat
    assert "年度：" not in flat
    assert "首页" not in flat
    assert "Material for MkDocs" not in flat
    # The chart's own labels (legend, axis name) are not printed; its table is.
    assert "本单位（单位甲）" not in flat
    assert "机关部门平均（3 个单位）" in flat
