"""Walk the data's Git history and record how each commit changed the scores.

Only commits that changed the rubric or score folders are visited, along
the first-parent chain of HEAD, newest `depth` of them. Each is written to
one temporary folder (only the files that differ from the previous commit)
and loaded and scored by the normal pipeline. The cost is therefore one
load and score per commit, linear in commits × (units + ledger rows), and
benchmarks/history.py measures it. Each commit's totals are kept in memory
and in a cache folder (DMSITE_CACHE_DIR, default ~/.cache/dmsite), keyed by
commit, data folders and a digest of dmsite's own code. Later builds, a
restarted `mkdocs serve` included, therefore only score new commits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from .gitdata import Commit, GitRepo
from .load.dataset import YearData, load_project
from .pages.build import SiteOptions, score_data
from .scoring import YearScores

__all__ = ["Event", "History", "ScoreChange", "Totals", "totals_of", "walk_history"]

log = logging.getLogger("mkdocs.plugins.dmsite")

# year -> (unit id, rubric id) -> total
Totals = dict[int, dict[tuple[str, str], Decimal]]

_CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, ...], _Snapshot] = OrderedDict()
_digest: str | None = None


@dataclasses.dataclass(frozen=True)
class ScoreChange:
    """One unit's total against one rubric before and after a commit; None where it did not exist."""

    unit: str
    rubric: str
    before: Decimal | None
    after: Decimal | None


@dataclasses.dataclass(frozen=True)
class Event:
    """The change one commit made to one year's scores."""

    # None for changes in the work tree that are not committed yet.
    commit: Commit | None
    year: int
    changes: tuple[ScoreChange, ...]
    # The year's data first appears in this commit (or in the oldest commit walked).
    first: bool = False
    # Data errors in this version; its scores could not be computed.
    errors: int = 0


@dataclasses.dataclass(frozen=True)
class History:
    events: tuple[Event, ...]
    depth: int
    # More commits changed the data than `depth`; the oldest were not walked.
    truncated: bool
    shallow: bool

    def year_events(self, year: int) -> list[Event]:
        """Return the events of one year, newest first."""
        return [event for event in reversed(self.events) if event.year == year]

    def unit_events(self, year: int, unit: str) -> list[tuple[Event, ScoreChange]]:
        """Return each change to one unit's totals, newest first."""
        return [(event, change) for event in self.year_events(year) for change in event.changes
                if change.unit == unit]


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    totals: Totals | None
    errors: int = 0


def totals_of(scored: Iterable[tuple[YearData, YearScores]]) -> Totals:
    """Return every unit's total against every rubric, by year."""
    return {data.year: {(unit, score.rubric.id): score.total for unit, scores in year_scores.by_unit.items()
                        for score in scores}
            for data, year_scores in scored}


def walk_history(repo: GitRepo, rubrics_dir: str, scores_dir: str, years: Sequence[int], options: SiteOptions,
                 depth: int, current: Totals | None = None, dirty: bool = False) -> History:
    """Score the newest `depth` commits that changed the data and list what each changed.

    With `dirty` and the work tree's `current` totals, a last event without
    a commit shows the changes not committed yet.
    """
    paths = [rubrics_dir, scores_dir]
    prefix = repo.prefix()
    commits = repo.log(paths, limit=depth + 1)
    truncated = len(commits) > depth
    window = list(reversed(commits[:depth]))
    events: list[Event] = []
    with tempfile.TemporaryDirectory(prefix="dmsite-history-") as folder:
        target = Path(folder)
        files: dict[str, str] = {}
        previous: _Snapshot | None = None
        if truncated:
            # The commit just before the window is the baseline its first commit is compared with.
            baseline = commits[depth]
            files = repo.materialize(baseline.hash, paths, target)
            previous = _snapshot(baseline, prefix, target, rubrics_dir, scores_dir, options)
        for commit in window:
            new_files = repo.materialize(commit.hash, paths, target, files)
            changed = {name for name in files.keys() | new_files.keys() if files.get(name) != new_files.get(name)}
            touched = _years_touched(changed, paths)
            files = new_files
            snapshot = _snapshot(commit, prefix, target, rubrics_dir, scores_dir, options)
            events.extend(_events(commit, previous, snapshot, touched, years))
            if snapshot.totals is not None:
                previous = snapshot
    if dirty and current is not None:
        events.extend(_events(None, previous, _Snapshot(current), set(), years))
    return History(tuple(events), depth, truncated, repo.is_shallow())


def _snapshot(commit: Commit, prefix: str, folder: Path, rubrics_dir: str, scores_dir: str,
              options: SiteOptions) -> _Snapshot:
    # A commit and folders always contain the same data; the prefix separates projects in one repository.
    key = (commit.hash, prefix, rubrics_dir, scores_dir, _code_digest())
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    snapshot = _read_cached(key)
    if snapshot is None:
        project = load_project(folder, rubrics_dir, scores_dir)
        errors = project.problems.errors
        if errors:
            snapshot = _Snapshot(None, len(errors))
        else:
            snapshot = _Snapshot(totals_of((data, score_data(data, options)) for data in project.years.values()))
        _write_cached(key, snapshot)
    _cache[key] = snapshot
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return snapshot


def _code_digest() -> str:
    """Digest of dmsite's source files: cached totals are only reused by the code that computed them."""
    global _digest
    if _digest is None:
        digest = hashlib.sha256()
        package = Path(__file__).resolve().parent
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        _digest = digest.hexdigest()
    return _digest


def _cache_path(key: tuple[str, ...]) -> Path:
    base = os.environ.get("DMSITE_CACHE_DIR")
    if not base:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "dmsite")
    name = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()
    return Path(base) / "history" / f"{name}.json"


def _read_cached(key: tuple[str, ...]) -> _Snapshot | None:
    try:
        stored = json.loads(_cache_path(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("totals") is None:
        return _Snapshot(None, int(stored.get("errors", 0)))
    totals = {int(year): {(unit, rubric): Decimal(total) for unit, rubric, total in rows}
              for year, rows in stored["totals"].items()}
    return _Snapshot(totals, int(stored.get("errors", 0)))


def _write_cached(key: tuple[str, ...], snapshot: _Snapshot) -> None:
    totals = None if snapshot.totals is None else {
        str(year): [[unit, rubric, str(total)] for (unit, rubric), total in sorted(rows.items())]
        for year, rows in snapshot.totals.items()}
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"totals": totals, "errors": snapshot.errors}), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        # The history still works without the cache; only later builds are slower.
        log.debug("dmsite：无法写入历史缓存 %s：%s", path, exc)


def _years_touched(names: Iterable[str], folders: Sequence[str]) -> set[int]:
    """Return the years whose folders contain any of the changed files."""
    years: set[int] = set()
    for name in names:
        for folder in folders:
            rest = name.removeprefix(folder.rstrip("/") + "/")
            if rest != name and rest.split("/", 1)[0].isdigit():
                years.add(int(rest.split("/", 1)[0]))
    return years


def _events(commit: Commit | None, previous: _Snapshot | None, snapshot: _Snapshot, touched: set[int],
            selected: Sequence[int]) -> list[Event]:
    def wanted(year: int) -> bool:
        return not selected or year in selected

    if snapshot.totals is None:
        return [Event(commit, year, (), errors=snapshot.errors) for year in sorted(touched) if wanted(year)]
    before_all = previous.totals if previous is not None and previous.totals is not None else None
    events: list[Event] = []
    for year in sorted(set(snapshot.totals) | set(before_all or {}) | touched):
        if not wanted(year):
            continue
        after = snapshot.totals.get(year, {})
        first = before_all is None or year not in before_all
        before = {} if before_all is None else before_all.get(year, {})
        changes = tuple(ScoreChange(unit, rubric, before.get((unit, rubric)), after.get((unit, rubric)))
                        for unit, rubric in sorted(before.keys() | after.keys())
                        if before.get((unit, rubric)) != after.get((unit, rubric)))
        if changes or year in touched:
            events.append(Event(commit, year, changes, first=first and bool(after)))
    return events
