"""The 扣分检索 page in headless Chromium: a word of a reason finds its ledger rows."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .conftest import Browsing
from .sample import latest_year, read_csv

CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def ledger_records(source, year: int) -> list[dict[str, str]]:
    records = []
    for path in sorted((source / "scores" / str(year) / "ledgers").glob("*.csv")):
        records.extend(read_csv(path))
    return records


def rare_word(records: list[dict[str, str]]) -> tuple[str, list[dict[str, str]]]:
    """Choose a Chinese word of some reason that between 2 and 20 rows contain; return it with those rows."""
    for record in records:
        reason = record["事由"].strip()
        for length in (2, 3, 4):
            for start in range(len(reason) - length + 1):
                word = reason[start:start + length]
                if not CJK.match(word):
                    continue
                rows = [other for other in records if word in other["事由"]]
                if 2 <= len(rows) <= 20:
                    return word, rows
    raise LookupError("no reason word is shared by 2 to 20 ledger rows")


def test_deductions_page_finds_reason_word(browser: Browsing):
    source = browser.site.source
    year = latest_year(source)
    word, rows = rare_word(ledger_records(source, year))
    page = browser.page
    browser.open(f"{year}/deductions/")
    status = page.locator(".dmsite-deductions-status")
    status.filter(has_text="条符合条件的记录").wait_for(timeout=20_000)

    page.locator('input[name="q"]').fill(word)
    status.filter(has_text=f"共 {len(rows)} 条符合条件的记录。").wait_for(timeout=20_000)
    shown = page.locator(".dmsite-deductions tbody tr")
    assert shown.count() == len(rows)
    reasons = [cells[5] for cells in (row.locator("td").all_inner_texts() for row in shown.all())]
    assert sorted(reasons) == sorted(row["事由"].strip() for row in rows)

    # A unit filter narrows the rows to that unit's; its link leads to the unit page.
    unit = rows[0]["单位编号"].strip()
    page.locator('input[name="unit"]').fill(unit)
    expected = sum(1 for row in rows if row["单位编号"].strip() == unit)
    status.filter(has_text=f"共 {expected} 条符合条件的记录。").wait_for(timeout=20_000)
    browser.follow(shown.first.locator("a"))
    assert urlsplit(page.url).path == f"/{year}/units/{unit}/"


def test_deductions_page_shows_markup_as_text(browser: Browsing):
    year = latest_year(browser.site.source)
    page = browser.page
    browser.open(f"{year}/deductions/")
    status = page.locator(".dmsite-deductions-status")
    status.filter(has_text="条符合条件的记录").wait_for(timeout=20_000)
    # Rows are built with textContent: no element inside a cell but the unit link.
    assert page.locator(".dmsite-deductions tbody td *:not(a)").count() == 0
    assert page.locator(".dmsite-deductions tbody tr").count() > 0
