"""What a reader does on the served site, in headless Chromium: find a deduction, search, follow links, print."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from decimal import Decimal
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import ARTIFACTS, Browsing
from .sample import counted_ledger_rows, latest_year, sample_pages, scores, search_target

# Header cells of the ledger table on a unit page.
LEDGER_COLUMNS = ("条目", "分值", "事由", "依据", "审核人", "日期")

# A4 portrait less print.css's 12 mm side margins (186 mm at 96 px per inch).
A4_PRINTABLE_WIDTH = 703


def table_with_header(page, column: str):
    return page.locator("article table").filter(has=page.locator("th", has_text=column))


def row_cells(table, row) -> dict[str, str]:
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    return dict(zip(headers, cells))


def test_home_to_unit_shows_deduction(browser: Browsing):
    source = browser.site.source
    year = latest_year(source)
    rows = counted_ledger_rows(source, year)
    names = {record["unit"]: record["unit_name"] for record in scores(source)}
    # The first counted row of every ledger file.
    picked = {}
    for row in rows:
        picked.setdefault(row.path, row)
    assert len(picked) >= 2

    page = browser.page
    for row in picked.values():
        browser.open("")
        browser.follow(page.locator("article").get_by_role("link", name="单位一览"))
        browser.follow(page.locator("article").get_by_role("link", name=names[row.unit], exact=True))
        assert urlsplit(page.url).path == f"/{year}/units/{row.unit}/"
        assert page.locator("article h1").inner_text().strip() == names[row.unit]

        ledger = table_with_header(page, "事由").filter(has_text=row.reason)
        assert ledger.count() >= 1, f"{row.reason} not on the page of {row.unit}"
        table = ledger.first
        matches = table.locator("tbody tr").filter(has_text=row.reason).filter(has_text=row.evidence)
        assert matches.count() >= 1
        cells = row_cells(table, matches.first)
        assert set(LEDGER_COLUMNS) <= set(cells), cells
        assert cells["条目"].startswith(row.item)
        assert Decimal(cells["分值"].lstrip("+−")) == row.points
        assert cells["事由"] == row.reason
        assert cells["依据"] == row.evidence
        assert cells["审核人"] == row.reviewer
        assert cells["日期"] == row.date
        assert matches.first.is_visible()


def test_search_rubric_word_reaches_item(browser: Browsing):
    source = browser.site.source
    target = search_target(source, latest_year(source))
    page = browser.page
    browser.open("")

    field = page.locator("input.md-search__input")
    field.click()
    field.fill(target.word)
    # The theme reads the query on keyup; a Chinese input method sends one when the word is committed.
    field.press("End")
    expected = f"/{latest_year(source)}/rubrics/{target.rubric}/"
    # Results link to the page's sections as PATH?h=WORD#SECTION.
    result = page.locator(f'a.md-search-result__link[href*="{expected}?"][href*="#"]').first
    result.wait_for(state="visible", timeout=20_000)
    href = result.get_attribute("href")
    assert urlsplit(href).path == expected
    browser.follow(result)

    assert urlsplit(page.url).path == expected
    assert page.locator("article h1").inner_text().strip() == target.rubric_title
    # The result leads to the heading of the item's category or indicator.
    fragment = unquote(urlsplit(page.url).fragment)
    heading = page.locator(f'[id="{fragment}"]')
    assert heading.evaluate("node => node.tagName") in ("H2", "H3")
    assert target.indicator.startswith(heading.inner_text().split()[0])
    row = page.locator("article tr").filter(has=page.locator(f'[id="item-{target.item.replace(".", "-")}"]'))
    assert row.count() == 1
    assert target.word in row.inner_text()


def test_links_join_unit_rubric_ranking(browser: Browsing):
    sample = sample_pages(browser.site.source)
    page = browser.page
    article = page.locator("article")

    browser.open(sample.unit_page)
    browser.follow(article.get_by_role("link", name=sample.rubric_title).first)
    assert urlsplit(page.url).path == "/" + sample.rubric_page
    assert article.locator("h1").inner_text().strip() == sample.rubric_title

    browser.follow(article.get_by_role("link", name=sample.unit_name, exact=True))
    assert urlsplit(page.url).path == "/" + sample.unit_page

    browser.follow(article.locator(f'a[href$="rankings/{sample.rubric}/"]').first)
    assert urlsplit(page.url).path == "/" + sample.ranking_page
    row = article.locator("tr").filter(has=page.get_by_role("link", name=sample.unit_name, exact=True))
    assert row.count() == 1

    browser.follow(article.get_by_role("link", name=sample.rubric_title).first)
    assert urlsplit(page.url).path == "/" + sample.rubric_page

    browser.open(sample.ranking_page)
    browser.follow(row.get_by_role("link", name=sample.unit_name, exact=True))
    assert urlsplit(page.url).path == "/" + sample.unit_page


def test_page_links_resolve(browser: Browsing):
    """Every same-site link on the four kinds of page returns 200, and its #fragment exists."""
    sample = sample_pages(browser.site.source)
    page = browser.page
    checked: dict[str, str] = {}
    broken = []
    for path in sample.all().values():
        browser.open(path)
        hrefs = page.locator("article a[href]").evaluate_all("links => links.map(link => link.href)")
        for href in hrefs:
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != browser.site.origin:
                # A link elsewhere (a forge's commit page, say) is followed only when clicked.
                continue
            target = href.split("#", 1)[0]
            if target not in checked:
                response = page.request.get(target)
                checked[target] = response.text() if response.status == 200 else ""
                if response.status != 200:
                    broken.append(f"{path}: {href} returns HTTP {response.status}")
            fragment = unquote(parts.fragment)
            if fragment and checked[target] and f'id="{fragment}"' not in checked[target]:
                broken.append(f"{path}: {href} has no element with id {fragment}")
    assert len(checked) > 10
    assert broken == []


def test_flags_carry_text(browser: Browsing):
    """A flag is written out in words wherever it is shown, never marked by colour alone."""
    source = browser.site.source
    flagged = [record for record in scores(source) if record["flags"]]
    assert flagged, "the sample data has no flagged unit"
    record = flagged[0]
    page = browser.page

    browser.open(f"{record['year']}/units/{record['unit']}/")
    summary = table_with_header(page, "标记").first
    row = summary.locator("tbody tr").filter(has_text=record["system"]).first
    assert "不列入优秀名单" in row_cells(summary, row)["标记"]
    admonition = page.locator("article .admonition.danger")
    assert "不列入考核“优秀”名单" in admonition.locator(".admonition-title").first.inner_text()

    browser.open(f"{record['year']}/rankings/{record['rubric']}/")
    ranking = table_with_header(page, "标记")
    row = ranking.locator("tbody tr").filter(has=page.get_by_role("link", name=record["unit_name"], exact=True))
    assert "不列入优秀名单" in row.inner_text()

    browser.open(f"{record['year']}/units/")
    legend = page.locator("article p").filter(has_text="⚑")
    assert "不列入优秀名单" in legend.inner_text()

    # The current tab differs from the others in weight, not only in colour.
    weights = page.locator(".md-tabs__link").evaluate_all(
        "links => links.map(link => [link.closest('.md-tabs__item--active') !== null,"
        " getComputedStyle(link).fontWeight])")
    active = {weight for is_active, weight in weights if is_active}
    inactive = {weight for is_active, weight in weights if not is_active}
    assert active
    assert inactive
    assert active.isdisjoint(inactive)


def test_print_hides_chrome_keeps_tables(browser: Browsing):
    sample = sample_pages(browser.site.source)
    page = browser.page
    page.set_viewport_size({"width": A4_PRINTABLE_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    for kind, path in sample.all().items():
        browser.open(path)
        for selector in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary",
                         ".md-search", ".md-search__input", ".md-footer", ".md-top"):
            for element in page.locator(selector).all():
                assert not element.is_visible(), f"{kind}: {selector} is printed"
        assert page.locator("article h1").is_visible()

        overflow = page.evaluate("""() => {
            const problems = [];
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth > width) problems.push('page wider than paper');
            document.querySelectorAll('article table').forEach((table, index) => {
                const box = table.getBoundingClientRect();
                if (box.left < 0 || box.right > width + 0.5) problems.push(`table ${index} exceeds the paper`);
                for (let node = table.parentElement; node && node.tagName !== 'ARTICLE'; node = node.parentElement) {
                    const style = getComputedStyle(node);
                    if (style.overflowX !== 'visible' && node.scrollWidth > node.clientWidth + 1)
                        problems.push(`table ${index} is cut by ${node.className}`);
                }
                table.querySelectorAll('tr').forEach(row => {
                    if (getComputedStyle(row).breakInside !== 'avoid') problems.push(`table ${index} row may split`);
                });
            });
            return [...new Set(problems)];
        }""")
        assert overflow == [], kind
        if kind == "unit":
            pdf = page.pdf(format="A4", print_background=True)
            assert pdf.startswith(b"%PDF")
            (ARTIFACTS / "print-unit.pdf").write_bytes(pdf)


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Canary.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary():
    """A server on another 127.0.0.1 port, outside the site's origin, that counts what reaches it."""
    _Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_guard_aborts_external_request(browse, canary):
    # The site's Content-Security-Policy would refuse these requests itself;
    # bypassing it here shows that the test guard alone stops them.
    browser = browse(bypass_csp=True)
    page = browser.page
    browser.open("")
    failed: list[tuple[str, str]] = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure or "")))

    # The canary responds to a direct request, so no hit from the page below is meaningful.
    with urllib.request.urlopen(canary + "/direct", timeout=10) as response:
        assert response.status == 204
    assert _Canary.hits == ["/direct"]

    # Chromium reports each aborted load in the console too; wait for both signals.
    aborted_in_console = lambda message: "ERR_BLOCKED_BY_CLIENT" in message.text  # noqa: E731
    with page.expect_console_message(aborted_in_console), page.expect_event("requestfailed"):
        page.evaluate("url => { const img = document.createElement('img'); img.src = url;"
                      " document.body.append(img); }", "http://example.invalid/x.png")
    with page.expect_console_message(aborted_in_console), page.expect_event("requestfailed"):
        page.evaluate("url => fetch(url).catch(() => null)", canary + "/from-page")

    blocked = browser.guard.take(lambda entry: "example.invalid" in entry or canary in entry, "blocked")
    assert blocked == ["GET http://example.invalid/x.png (image)", f"GET {canary}/from-page (fetch)"]
    # Chromium names a request aborted through DevTools, as the guard does, this way.
    assert ("http://example.invalid/x.png", "net::ERR_BLOCKED_BY_CLIENT.Inspector") in failed
    assert (canary + "/from-page", "net::ERR_BLOCKED_BY_CLIENT.Inspector") in failed
    assert _Canary.hits == ["/direct"]
    errors = browser.guard.take(lambda entry: "ERR_BLOCKED_BY_CLIENT" in entry, "errors")
    assert len(errors) == 2
    assert browser.guard.problems() == []


def test_csp_refuses_external_image(browser: Browsing):
    """deploy/nginx.conf's Content-Security-Policy keeps the browser from requesting other sites."""
    page = browser.page
    browser.open("")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("() => { const img = document.createElement('img');"
                      " img.src = 'http://example.invalid/csp.png'; document.body.append(img); }")
    assert browser.guard.blocked == []
    refused = browser.guard.take(lambda entry: "example.invalid/csp.png" in entry, "errors")
    assert len(refused) == 1
    assert "violates the following Content Security Policy directive: \"img-src 'self' data:\"" in refused[0]
    assert "The action has been blocked." in refused[0]
