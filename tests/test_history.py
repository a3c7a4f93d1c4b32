"""Walking the data's commits: events per commit, broken versions, uncommitted changes and the cache."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from dmsite import history
from dmsite.gitdata import GitRepo
from dmsite.history import ScoreChange, totals_of, walk_history
from dmsite.load.dataset import load_project
from dmsite.pages.build import SiteOptions, score_data

from .conftest import write_project
from .gitrepo import GitProject

HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则,备注,更正,更正说明\n"
LEDGER = "scores/2022/ledgers/test.csv"
AWARD = "A1,基层党建,2.1.1,3,市级肯定,批示,审核员甲,2022-04-01,,a,,,\n"
DEDUCTION = "A1,基层党建,1.1.1,2,未按时报送,督查记录,审核员乙,2022-05-01,,b,,,\n"


def walk(root: Path, depth: int = 50, dirty: bool = False):
    repo = GitRepo.find(root)
    assert repo is not None
    current = None
    if dirty:
        [data] = load_project(root).years.values()
        current = totals_of([(data, score_data(data, SiteOptions()))])
    return walk_history(repo, "rubrics", "scores", (), SiteOptions(), depth, current, dirty)


def test_broken_commit_is_listed_and_skipped(tmp_path):
    write_project(tmp_path, ledger=HEADER + AWARD)
    project = GitProject(tmp_path)
    first = project.commit("初始", date="2023-01-05T10:00:00+08:00")
    project.append(LEDGER, "Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a,,,\n")
    broken = project.commit("录错单位", date="2023-01-06T10:00:00+08:00")
    project.write(LEDGER, HEADER + AWARD + DEDUCTION)
    fixed = project.commit("改正", date="2023-01-07T10:00:00+08:00")

    events = walk(tmp_path).events
    assert [(event.commit.hash, event.first, event.errors) for event in events] == [
        (first, True, 0), (broken, False, 1), (fixed, False, 0)]
    assert events[0].changes == (ScoreChange("A1", "mini", None, Decimal(37)), ScoreChange("A2", "mini", None, Decimal(34)),
                                 ScoreChange("B1", "mini", None, Decimal(34)))
    assert events[1].changes == ()
    # The fixed commit is compared with the last version that could be scored.
    assert events[2].changes == (ScoreChange("A1", "mini", Decimal(37), Decimal(35)),)


def test_commit_without_score_change_is_listed(tmp_path):
    write_project(tmp_path, ledger=HEADER + AWARD)
    project = GitProject(tmp_path)
    project.commit("初始")
    project.write(LEDGER, HEADER + AWARD.replace(",批示,", ",市委批示,"))
    edit = project.commit("补全依据", date="2023-01-06T10:00:00+08:00")
    events = walk(tmp_path).events
    assert (events[-1].commit.hash, events[-1].year, events[-1].changes) == (edit, 2022, ())


def test_uncommitted_changes_come_last(tmp_path):
    write_project(tmp_path, ledger=HEADER + AWARD)
    GitProject(tmp_path).commit("初始")
    with (tmp_path / LEDGER).open("a", encoding="utf-8") as file:
        file.write(DEDUCTION)
    last = walk(tmp_path, dirty=True).events[-1]
    assert last.commit is None
    assert last.changes == (ScoreChange("A1", "mini", Decimal(37), Decimal(35)),)


def test_scores_are_cached_per_commit(tmp_path, monkeypatch):
    write_project(tmp_path, ledger=HEADER + AWARD)
    project = GitProject(tmp_path)
    project.commit("初始")
    project.append(LEDGER, DEDUCTION)
    project.commit("扣分", date="2023-01-06T10:00:00+08:00")
    loads: list[Path] = []

    def counting_load(root: Path, *args: object) -> object:
        loads.append(root)
        return load_project(root, *args)

    monkeypatch.setattr(history, "load_project", counting_load)
    history._cache.clear()
    monkeypatch.setenv("DMSITE_CACHE_DIR", str(tmp_path / "cache"))
    first = walk(tmp_path).events
    assert len(loads) == 2

    # A new process starts with an empty memory cache but finds the cache folder.
    history._cache.clear()
    again = walk(tmp_path).events
    assert len(loads) == 2
    assert again == first
    assert len(list((tmp_path / "cache" / "history").glob("*.json"))) == 2
