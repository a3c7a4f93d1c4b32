"""Load the data of a Git revision and compare two revisions: `dmsite diff`.

The revision's rubric and score folders are written to a temporary folder
with the same layout and loaded by the normal pipeline, so a revision is
validated and scored exactly like the work tree.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from .diff import compare, render_markdown, to_json
from .errors import Problems
from .gitdata import GitError, GitRepo
from .site import Settings, Site, load_site

__all__ = ["load_revision", "revision_label", "run_diff"]


def load_revision(repo: GitRepo, revision: str, settings: Settings) -> Site:
    """Load and score the data as committed at `revision`; raises GitError when it cannot be read."""
    commit = repo.resolve(revision)
    with tempfile.TemporaryDirectory(prefix="dmsite-revision-") as folder:
        repo.materialize(commit, [settings.rubrics_dir, settings.scores_dir], Path(folder))
        # Nothing of the site is read from files once it is loaded and scored.
        return load_site(dataclasses.replace(settings, root=Path(folder)))


def revision_label(repo: GitRepo, revision: str) -> str:
    """Name a revision for the report: its short hash, and the name it was given when that differs."""
    commit = repo.commit(revision)
    return commit.short if commit.hash.startswith(revision) else f"{commit.short}（{revision}）"


def run_diff(settings: Settings, config_problems: Problems, base: str, head: str | None, output: str) -> int:
    """Run `dmsite diff`: print the score changes from `base` to `head` (default: the work tree)."""
    repo = GitRepo.find(settings.root)
    if repo is None:
        print(f"dmsite：{settings.root} 不在有提交记录的 Git 仓库中，无法比较版本。", file=sys.stderr)
        return 1
    try:
        versions = [(revision_label(repo, base), load_revision(repo, base, settings))]
        if head is None:
            work_tree = load_site(settings)
            work_tree.problems.extend(config_problems)
            versions.append(("工作区", work_tree))
        else:
            versions.append((revision_label(repo, head), load_revision(repo, head, settings)))
    except GitError as exc:
        print(f"dmsite：{exc}", file=sys.stderr)
        return 1

    failed = False
    for label, site in versions:
        errors = sorted(site.problems.errors, key=lambda item: item.location.sort_key())
        if errors:
            failed = True
            print(f"版本 {label} 的数据有 {len(errors)} 处错误，无法比较：", file=sys.stderr)
            for item in errors:
                print(f"  错误 {item}", file=sys.stderr)
    if failed:
        return 1

    (base_label, before), (head_label, after) = versions
    diff = compare(before.scored, after.scored, base_label, head_label)
    if output == "json":
        json.dump(to_json(diff), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        sys.stdout.write(render_markdown(diff))
    return 0
