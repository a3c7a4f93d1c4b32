"""Where the published data came from: data version, input checksum and the commit behind each ledger row.

The data version is the latest commit that changed the rubric or score
folders. The checksum is a SHA-256 over the input files, so a build from a
folder without Git history still identifies its data. Ledger rows are
attributed with one `git blame` per ledger file.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .errors import relative
from .gitdata import UNCOMMITTED_TIME, Commit, GitRepo, LineBlame
from .load.dataset import YearData
from .model import Entry

__all__ = ["FORGES", "CommitLinks", "DataVersion", "data_version", "input_files", "row_commits"]

# Forges whose commit pages live at {repo_url}/commit/{hash}, and GitLab at {repo_url}/-/commit/{hash}.
FORGES = ("auto", "github", "gitea", "forgejo", "gitlab")


@dataclasses.dataclass(frozen=True)
class CommitLinks:
    """Builds links to a forge's commit pages from mkdocs.yml's `repo_url`."""

    repo_url: str = ""
    forge: str = "auto"

    def url(self, commit: Commit) -> str | None:
        if not self.repo_url:
            return None
        base = self.repo_url.rstrip("/").removesuffix(".git")
        return f"{base}/-/commit/{commit.hash}" if self.kind == "gitlab" else f"{base}/commit/{commit.hash}"

    @property
    def kind(self) -> str:
        if self.forge != "auto":
            return self.forge
        # Self-hosted GitLab usually runs on a host named gitlab.<domain>.
        host = urlsplit(self.repo_url).hostname or ""
        return "gitlab" if "gitlab" in host.split(".") or host.startswith("gitlab") else "github"


@dataclasses.dataclass(frozen=True)
class DataVersion:
    """The data a site was built from."""

    commit: Commit | None
    # Rubric or score files differ from that commit (edited, added or deleted).
    dirty: bool
    shallow: bool
    checksum: str


def input_files(root: Path, years: Iterable[YearData], scores_dir: str) -> list[str]:
    """List the files a build read, relative to `root`: rubrics, units, ledgers, measures and objections."""
    paths: list[str] = []
    for data in years:
        paths.extend(data.rubric_files.values())
        paths.extend(data.ledger_files)
        folder = root / scores_dir / str(data.year)
        for name in ("units.csv", "measures.csv", "objections.csv"):
            if (folder / name).is_file():
                paths.append(relative(folder / name, root))
    return sorted(set(paths))


def data_version(repo: GitRepo | None, root: Path, data_paths: Sequence[str], files: Sequence[str]) -> DataVersion:
    """Describe the data: the commit behind it (when under Git) and the checksum of `files`."""
    from .export import data_version as checksum

    digest = checksum(root, files)
    if repo is None:
        return DataVersion(None, False, False, digest)
    commits = repo.log(data_paths, limit=1)
    return DataVersion(commits[0] if commits else None, repo.is_dirty(data_paths), repo.is_shallow(), digest)


def row_commits(repo: GitRepo, entries: Iterable[Entry]) -> dict[str, LineBlame]:
    """Map each ledger row's source to the newest commit among the lines it spans.

    A quoted cell can contain line breaks, so a row spans from its first
    line to the line before the next row of the same file. The last row
    spans to the end of the file.
    """
    by_file: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_file[entry.path].append(entry)
    result: dict[str, LineBlame] = {}
    for path, rows in by_file.items():
        blame = repo.blame(path)
        if not blame:
            # Git cannot blame a file it does not track yet: every row is uncommitted.
            result.update((entry.source, LineBlame(None, UNCOMMITTED_TIME)) for entry in rows)
            continue
        starts = sorted({entry.line for entry in rows})
        ends = {start: following - 1 for start, following in zip(starts, starts[1:], strict=False)}
        ends[starts[-1]] = max(blame)
        for entry in rows:
            end = ends[entry.line]
            spanned = [blame[line] for line in range(entry.line, end + 1) if line in blame]
            if spanned:
                result[entry.source] = max(spanned, key=lambda item: item.time)
    return result
