"""Read the data's Git history: commits, blame, and files at a revision.

Everything here runs the `git` command in a subprocess and parses its
plumbing output; nothing is written to the repository. Paths given to and
returned by `GitRepo` are relative to the folder the repository was opened
at (the dmsite project root), which may be a subfolder of the work tree.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["UNCOMMITTED_TIME", "Commit", "GitError", "GitRepo", "LineBlame"]

# Git prints this hash for lines that are not committed yet.
_UNCOMMITTED = "0" * 40
# Sort key of uncommitted lines: after every commit.
UNCOMMITTED_TIME = 2**63
_HEADER = re.compile(rb"^([0-9a-f]{40}) (\d+) (\d+)(?: (\d+))?$")
# Unit separator between log fields: it cannot occur in names or subjects.
_SEP = "\x1f"
_LOG_FORMAT = _SEP.join(("%H", "%an", "%cI", "%s"))


class GitError(Exception):
    """A git command failed; the message is Chinese and names the command's complaint."""


@dataclasses.dataclass(frozen=True)
class Commit:
    """A commit as shown on pages: hash, author, committer date and subject."""

    hash: str
    author: str
    date: datetime.date
    subject: str

    @property
    def short(self) -> str:
        return self.hash[:7]


@dataclasses.dataclass(frozen=True)
class LineBlame:
    """The commit that last changed one line, or None for a line not committed yet."""

    commit: Commit | None
    # Committer time (Unix seconds), to tell which of several commits is newest.
    time: int


def _git_environment() -> dict[str, str]:
    # English, unpaged output, whatever the user's Git configuration sets.
    return {**os.environ, "LC_ALL": "C", "LANG": "C", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}


class GitRepo:
    """A Git work tree seen from one of its folders."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def find(cls, folder: Path) -> GitRepo | None:
        """Return the repository that contains `folder`, or None when there is none or git is missing."""
        if shutil.which("git") is None or not folder.is_dir():
            return None
        try:
            result = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=folder,
                                    capture_output=True, env=_git_environment(), timeout=60)
        except OSError:
            return None
        if result.returncode != 0 or result.stdout.strip() != b"true":
            return None
        repo = cls(folder)
        if repo.head() is None:
            # A repository without any commit has no history to show.
            return None
        return repo

    def run(self, *args: str, input: bytes | None = None) -> bytes:
        """Run one git command in the folder and return its standard output."""
        result = subprocess.run(["git", *args], cwd=self.folder, input=input, capture_output=True,
                                env=_git_environment(), timeout=600)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} 失败：{message[0] if message else '退出码 ' + str(result.returncode)}")
        return result.stdout

    def head(self) -> str | None:
        try:
            return self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip() or None
        except GitError:
            return None

    def resolve(self, revision: str) -> str:
        """Return the full hash of a revision such as main, HEAD~2 or a short hash."""
        if revision.startswith("-"):
            raise GitError(f"找不到版本「{revision}」")
        try:
            return self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{revision}^{{commit}}").decode().strip()
        except GitError:
            raise GitError(f"找不到版本「{revision}」：请检查分支名、标签或提交编号，"
                           "浅克隆时请先获取完整历史") from None

    def commit(self, revision: str) -> Commit:
        output = self.run("show", "-s", f"--format={_LOG_FORMAT}", self.resolve(revision), "--")
        return _parse_log_line(output.decode("utf-8", "replace").strip())

    def prefix(self) -> str:
        """Return the folder's path inside the work tree, such as "" or "site/"."""
        return self.run("rev-parse", "--show-prefix").decode("utf-8", "replace").strip()

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").decode().strip() == "true"

    def log(self, paths: Sequence[str], limit: int | None = None) -> list[Commit]:
        """Return the commits that changed `paths` along the first-parent chain of HEAD, newest first.

        Following first parents keeps the list linear: a merged pull request
        shows as its merge commit, and each listed commit's data differs from
        the previous listed commit's data only by that commit's changes.
        """
        args = ["log", "--first-parent", f"--format={_LOG_FORMAT}"]
        if limit is not None:
            args.append(f"--max-count={limit}")
        output = self.run(*args, "HEAD", "--", *paths).decode("utf-8", "replace")
        return [_parse_log_line(line) for line in output.splitlines() if line]

    def is_dirty(self, paths: Sequence[str]) -> bool:
        """Tell whether `paths` have changes not committed yet, including new files."""
        return bool(self.run("status", "--porcelain", "--untracked-files=all", "--", *paths).strip())

    def tree_files(self, revision: str, paths: Sequence[str]) -> dict[str, str]:
        """Map each file under `paths` at `revision` to its blob hash."""
        output = self.run("ls-tree", "-r", "-z", revision, "--", *paths)
        files: dict[str, str] = {}
        for record in output.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, blob = meta.decode().split()
            if kind == "blob" and mode != "120000":
                files[os.fsdecode(name)] = blob
        return files

    def read_blobs(self, blobs: Iterable[str]) -> dict[str, bytes]:
        """Read many blobs with one `git cat-file --batch` process."""
        wanted = sorted(set(blobs))
        if not wanted:
            return {}
        output = self.run("cat-file", "--batch", input="".join(f"{blob}\n" for blob in wanted).encode())
        contents: dict[str, bytes] = {}
        position = 0
        for blob in wanted:
            end = output.index(b"\n", position)
            header = output[position:end].split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitError(f"git cat-file 失败：无法读取 {blob}")
            size = int(header[2])
            contents[blob] = output[end + 1:end + 1 + size]
            position = end + 1 + size + 1
        return contents

    def materialize(self, revision: str, paths: Sequence[str], target: Path,
                    previous: dict[str, str] | None = None) -> dict[str, str]:
        """Write the files under `paths` at `revision` into `target`, keeping their relative paths.

        With `previous` (the map this method returned for the revision last
        written to the same `target`), only files whose blob changed are
        written and files that disappeared are deleted. Returns the new map.
        """
        files = self.tree_files(revision, paths)
        before = previous or {}
        for name in before.keys() - files.keys():
            (target / name).unlink(missing_ok=True)
        changed = {name: blob for name, blob in files.items() if before.get(name) != blob}
        contents = self.read_blobs(changed.values())
        for name, blob in changed.items():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(contents[blob])
        return files

    def blame(self, path: str) -> dict[int, LineBlame]:
        """Return the commit that last changed each line (1-based) of a file in the work tree.

        Lines added or changed since the last commit map to `LineBlame(None, …)`;
        a file git does not track yet gives an empty map.
        """
        try:
            output = self.run("blame", "--porcelain", "--", path)
        except GitError:
            return {}
        return _parse_blame(output)


def _parse_log_line(line: str) -> Commit:
    full, author, date, subject = line.split(_SEP, 3)
    return Commit(full, author, datetime.datetime.fromisoformat(date).date(), subject)


def _parse_blame(output: bytes) -> dict[int, LineBlame]:
    """Parse `git blame --porcelain`: metadata follows a commit's first header only."""
    meta: dict[str, dict[str, str]] = {}
    lines: dict[int, LineBlame] = {}
    current: str | None = None
    final_line = 0
    commits: dict[str, LineBlame] = {}
    for raw in output.split(b"\n"):
        if raw.startswith(b"\t"):
            if current is not None:
                lines[final_line] = _line_blame(current, meta[current], commits)
            current = None
            continue
        header = _HEADER.match(raw)
        if header:
            current = header.group(1).decode()
            final_line = int(header.group(3))
            meta.setdefault(current, {})
            continue
        if current is not None:
            key, _, value = raw.decode("utf-8", "replace").partition(" ")
            meta[current][key] = value
    return lines


def _line_blame(commit_hash: str, fields: dict[str, str], cache: dict[str, LineBlame]) -> LineBlame:
    if commit_hash in cache:
        return cache[commit_hash]
    if commit_hash == _UNCOMMITTED:
        # Git gives uncommitted lines the clock's time, which is ignored.
        blame = LineBlame(None, UNCOMMITTED_TIME)
    else:
        seconds = int(fields.get("committer-time", "0"))
        zone = fields.get("committer-tz", "+0000")
        sign = -1 if zone.startswith("-") else 1
        offset = datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone(offset))
        commit = Commit(commit_hash, fields.get("author", ""), moment.date(), fields.get("summary", ""))
        blame = LineBlame(commit, seconds)
    cache[commit_hash] = blame
    return blame
