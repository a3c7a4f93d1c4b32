"""Screenshots of the four kinds of page at desktop and phone widths, kept as test artefacts.

The pictures are written to tests/browser/artifacts/ (not tracked by git).
A reviewed set is committed under content/screenshots/ and shown on the
guide's 页面截图 page. tests/browser/README.md describes how to refresh it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from .conftest import ARTIFACTS, DESKTOP, PHONE, Browsing
from .sample import sample_pages

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def chinese_font_families() -> set[str]:
    """Return the font families that fontconfig lists as covering Chinese."""
    if shutil.which("fc-list") is None:
        pytest.fail("fc-list not found; fontconfig comes with chromium (apt-get install chromium fonts-noto-cjk)")
    listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    return {family.strip() for line in listing.splitlines() for family in line.split(",") if family.strip()}


def rendering_fonts(browser: Browsing, selector: str) -> dict[str, int]:
    """Return the fonts Chromium drew an element's text with, and how many glyphs each drew."""
    session = browser.context.new_cdp_session(browser.page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    document = session.send("DOM.getDocument")
    node = session.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    session.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots(browse, viewport: str):
    size = VIEWPORTS[viewport]
    browser: Browsing = browse(viewport=size)
    ARTIFACTS.mkdir(exist_ok=True)
    for kind, path in sample_pages(browser.site.source).all().items():
        browser.open(path)
        image = browser.page.screenshot()
        assert png_size(image) == (size["width"], size["height"])
        (ARTIFACTS / f"{viewport}-{kind}.png").write_bytes(image)


def test_chinese_drawn_with_chinese_font(browser: Browsing):
    browser.open("")
    title = browser.page.locator("article h1").inner_text().strip()
    fonts = rendering_fonts(browser, "article h1")
    assert sum(fonts.values()) == len(title)
    # Without a Chinese font, Chromium draws boxes from some other family.
    assert set(fonts) <= chinese_font_families(), "apt-get install fonts-noto-cjk"
