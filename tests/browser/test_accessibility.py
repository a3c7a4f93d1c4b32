"""Accessibility for older readers: axe-core finds nothing serious, and text enlarged to 200% still fits."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE, Browsing
from .sample import sample_pages

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(violation => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.slice(0, 5).map(node => node.target.join(' ')),
    }));
}"""

# Content that cannot be seen without scrolling the whole page sideways, or
# that a box with hidden overflow cuts off. A table wider than the screen may
# scroll inside its own frame, provided the keyboard can reach that frame.
FIND_OVERFLOW = """() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const content = document.querySelector('.md-content');
    for (const element of content.querySelectorAll('*')) {
        const style = getComputedStyle(element);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        // A 1×1 box is the usual way to keep text for screen readers only.
        if (element.offsetWidth <= 1 && element.offsetHeight <= 1) continue;
        const hasText = [...element.childNodes].some(node => node.nodeType === 3 && node.textContent.trim());
        const frame = element.closest('.md-typeset__scrollwrap');
        if (hasText && !frame) {
            const box = element.getBoundingClientRect();
            if (box.width > 0 && (box.left < -0.5 || box.right > root.clientWidth + 0.5))
                problems.push(`outside the screen: ${element.tagName} ${element.textContent.trim().slice(0, 20)}`);
        }
        if (frame && frame.scrollWidth > frame.clientWidth + 1 && frame.getAttribute('tabindex') !== '0')
            problems.push('table scrolls inside a frame that the keyboard cannot reach');
        const clips = ['hidden', 'clip'];
        if ((clips.includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1) ||
            (clips.includes(style.overflowY) && element.scrollHeight > element.clientHeight + 1)) {
            if (element.textContent.trim()) problems.push(`text cut off in ${element.tagName}.${element.className}`);
        }
    }
    return [...new Set(problems)];
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_axe_no_serious_violations(browse, viewport: str):
    browser: Browsing = browse(viewport=VIEWPORTS[viewport])
    found = []
    for kind, path in sample_pages(browser.site.source).all().items():
        browser.open(path)
        browser.inject_axe()
        for violation in browser.page.evaluate(RUN_AXE):
            if violation["impact"] in ("serious", "critical"):
                found.append(f"{kind} ({path or '/'}): {violation['id']} [{violation['impact']}] "
                             f"{violation['help']}: {', '.join(violation['nodes'])}")
    assert found == []


def test_zoom_200_fits_screen(browse):
    # A 1366×768 screen at 200% browser zoom: half as many CSS pixels, each drawn twice as large.
    browser: Browsing = browse(viewport={"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2},
                               device_scale_factor=2)
    page = browser.page
    for kind, path in sample_pages(browser.site.source).all().items():
        browser.open(path)
        assert page.evaluate("devicePixelRatio") == 2
        assert page.evaluate(FIND_OVERFLOW) == [], kind


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_text_size_200_fits_screen(browse, viewport: str):
    # Chromium's font-size setting doubled (16 px is the default), as a reader sets it under 外观 → 字号.
    normal = browse(viewport=VIEWPORTS[viewport])
    normal.open("")
    normal_size = normal.page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")

    browser: Browsing = browse({"webkit": {"webprefs": {"default_font_size": 32}}}, viewport=VIEWPORTS[viewport])
    page = browser.page
    for kind, path in sample_pages(browser.site.source).all().items():
        browser.open(path)
        size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert size == 2 * normal_size
        assert page.evaluate(FIND_OVERFLOW) == [], kind
