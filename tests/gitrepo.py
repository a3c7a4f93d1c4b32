"""A real Git repository in a temporary folder, with commits of chosen author and date."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Keep the tester's own Git configuration (signing, hooks, templates) out of the repositories.
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


class GitProject:
    """A Git work tree at `root` whose commits carry the author and date given to `commit`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "测试机")
        self.git("config", "user.email", "robot@example.invalid")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                                env={**GIT_ENV, **(env or {})}, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def commit(self, message: str, *, author: str = "审核员甲", date: str = "2023-01-05T10:00:00+08:00") -> str:
        """Commit every change in the work tree; returns the full hash."""
        self.git("add", "-A")
        dates = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "author@example.invalid",
                 "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        self.git("commit", "-q", "-m", message, env=dates)
        return self.git("rev-parse", "HEAD").strip()

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def append(self, path: str, text: str) -> None:
        with (self.root / path).open("a", encoding="utf-8") as file:
            file.write(text)
