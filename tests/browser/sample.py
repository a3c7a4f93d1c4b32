"""Facts about the sample data, read at test time from the copy the site was built from.

The browser tests never hard-code a unit, a deduction or a word: they take
them from the ledgers, the rubric files and `dmsite score --format json`, so
they keep testing the site when the sample data changes.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")


@dataclasses.dataclass(frozen=True)
class LedgerRow:
    path: str
    unit: str
    system: str
    item: str
    points: Decimal
    reason: str
    evidence: str
    reviewer: str
    date: str


@dataclasses.dataclass(frozen=True)
class SamplePages:
    """One page of each kind, as site paths."""

    year: int
    unit: str
    unit_name: str
    rubric: str
    rubric_title: str

    @property
    def home(self) -> str:
        return ""

    @property
    def unit_page(self) -> str:
        return f"{self.year}/units/{self.unit}/"

    @property
    def rubric_page(self) -> str:
        return f"{self.year}/rubrics/{self.rubric}/"

    @property
    def ranking_page(self) -> str:
        return f"{self.year}/rankings/{self.rubric}/"

    def all(self) -> dict[str, str]:
        return {"home": self.home, "unit": self.unit_page, "rubric": self.rubric_page, "ranking": self.ranking_page}


def latest_year(source: Path) -> int:
    return max(int(path.name) for path in (source / "scores").iterdir() if path.name.isdigit())


def read_csv(path: Path) -> list[dict[str, str]]:
    # Ledgers may be UTF-8 (with or without BOM) or GBK, as saved by Excel or WPS.
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return list(csv.DictReader(text.splitlines()))


def counted_ledger_rows(source: Path, year: int) -> list[LedgerRow]:
    """Return every ledger row that counts (状态 empty or 有效), in file order."""
    rows: list[LedgerRow] = []
    for path in sorted((source / "scores" / str(year) / "ledgers").glob("*.csv")):
        for record in read_csv(path):
            if (record.get("状态") or "有效").strip() != "有效":
                continue
            rows.append(LedgerRow(path.name, record["单位编号"].strip(), record["体系"].strip(),
                                  record["条目"].strip(), Decimal(record["分值"].strip()),
                                  record["事由"].strip(), record["依据"].strip(), record["审核人"].strip(),
                                  record["日期"].strip()))
    return rows


@cache
def scores(source: Path) -> list[dict]:
    """Run `dmsite score --format json` on the copy and return its records."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "dmsite", "score", "--format", "json"], cwd=source,
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sample_pages(source: Path) -> SamplePages:
    """Pick the unit of the first counted ledger row and the rubric it was scored against."""
    year = latest_year(source)
    first = counted_ledger_rows(source, year)[0]
    record = next(r for r in scores(source)
                  if r["year"] == year and r["unit"] == first.unit and r["system"] == first.system)
    rubric = load_rubric(source, year, record["rubric"])
    return SamplePages(year, first.unit, record["unit_name"], record["rubric"], rubric["title"])


def load_rubric(source: Path, year: int, rubric_id: str) -> dict:
    for path in sorted((source / "rubrics" / str(year)).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("id") == rubric_id:
            return data
    raise LookupError(f"no rubric with id {rubric_id} under rubrics/{year}")


def rubric_items(rubric: dict) -> list[tuple[str, str, str]]:
    """Return (indicator code, item code, item text) for every item of a rubric file."""
    items = []
    for category in rubric.get("categories", []):
        for indicator in category.get("indicators", []):
            for item in indicator.get("items", []):
                items.append((indicator["code"], item["code"], item.get("text", "")))
    return items


@dataclasses.dataclass(frozen=True)
class SearchTarget:
    word: str
    rubric: str
    rubric_title: str
    indicator: str
    item: str
    text: str


def search_target(source: Path, year: int) -> SearchTarget:
    """Choose a word of a rubric item that no other rubric and no hand-written page uses.

    Words are cut with jieba, the segmenter the search index is built with,
    so the word is one term of the index.
    """
    import jieba

    rubrics = {}
    for path in sorted((source / "rubrics" / str(year)).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rubrics[data["id"]] = data
    corpus = {rubric_id: "".join(text for _, _, text in rubric_items(data)) for rubric_id, data in rubrics.items()}
    pages = "".join(path.read_text(encoding="utf-8") for path in (source / "content").rglob("*.md"))
    for rubric_id, data in rubrics.items():
        for indicator, code, text in rubric_items(data):
            for word in jieba.lcut(text):
                if not CJK_WORD.match(word) or word in pages:
                    continue
                users = [other for other, body in corpus.items() if word in body]
                if users == [rubric_id]:
                    return SearchTarget(word, rubric_id, data["title"], indicator, code, text)
    raise LookupError("no rubric word is unique to one rubric")
