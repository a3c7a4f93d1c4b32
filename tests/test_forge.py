"""The example forge files under forge/: well-formed, covering every ledger, and the pre-commit hook run for real.

The CI definitions are only parsed here; they talk to a forge and must not
run in this project's own CI.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import LEDGER_HEADER, REPO, write_project
from .gitrepo import GIT_ENV, GitProject

FORGE = REPO / "forge"
LEDGERS = sorted(path.relative_to(REPO).as_posix() for path in (REPO / "scores").glob("*/ledgers/*.csv"))


def workflow_commands(path: Path) -> str:
    """Every `run` command of a GitHub or Gitea workflow, joined."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])


@pytest.mark.parametrize("path", ["github/.github/workflows/dmsite.yml", "gitea/.gitea/workflows/dmsite.yml"])
def test_actions_workflow_checks_and_diffs(path):
    text = (FORGE / path).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    # PyYAML reads the key `on` as True.
    triggers = workflow[True]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    commands = workflow_commands(FORGE / path)
    assert "dmsite check" in commands
    assert 'dmsite diff "$BASE" HEAD > diff.md' in commands
    assert "mkdocs build --strict" in commands
    checkouts = [step for job in workflow["jobs"].values() for step in job["steps"]
                 if str(step.get("uses", "")).startswith("actions/checkout")]
    assert checkouts and all(step["with"]["fetch-depth"] == 0 for step in checkouts)


def test_gitlab_ci_checks_diffs_and_publishes():
    ci = yaml.safe_load((FORGE / "gitlab/.gitlab-ci.yml").read_text(encoding="utf-8"))
    assert ci["variables"]["GIT_DEPTH"] == "0"
    assert "dmsite check" in ci["check"]["script"]
    assert 'dmsite diff "$CI_MERGE_REQUEST_DIFF_BASE_SHA" HEAD > diff.md' in ci["diff"]["script"]
    assert ci["diff"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert "mkdocs build --strict --site-dir public" in ci["pages"]["script"]
    assert ci["pages"]["artifacts"]["paths"] == ["public"]


def _glob_owner(lines: list[str], path: str) -> str | None:
    """The owner GitHub/GitLab give `path`: the last matching pattern wins."""
    owner = None
    for line in lines:
        if not line.strip() or line.startswith(("#", "[")):
            continue
        pattern, team = line.split()[:2]
        anchored = pattern.lstrip("/")
        if fnmatch.fnmatch(path, anchored) or (anchored.endswith("/") and path.startswith(anchored)):
            owner = team
    return owner


def _regex_owner(lines: list[str], path: str) -> str | None:
    """The owner Gitea gives `path`: the file's escaping halves backslashes, then a Go regexp must match."""
    owner = None
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        pattern, team = line.split()[:2]
        if re.fullmatch(pattern.replace("\\\\", "\\"), path):
            owner = team
    return owner


EXPECTED_OWNERS = {"jcdj.csv": "@dongming/dangjianban", "dflz.csv": "@dongming/jigongwei",
                   "yssx.csv": "@dongming/xuanchuanke", "fzjs.csv": "@dongming/sifasuo"}


@pytest.mark.parametrize("path", ["github/.github/CODEOWNERS", "gitlab/.gitlab/CODEOWNERS", "gitea/.gitea/CODEOWNERS"])
def test_codeowners_map_each_ledger_to_its_department(path):
    lines = (FORGE / path).read_text(encoding="utf-8").splitlines()
    owner = _regex_owner if "gitea" in path else _glob_owner
    assert LEDGERS, "no shipped ledgers found"
    for ledger in LEDGERS:
        assert owner(lines, ledger) == EXPECTED_OWNERS[ledger.rsplit("/", 1)[1]], ledger
    assert owner(lines, "rubrics/2022/jcdj-jiguan.yml") == "@dongming/kaoheban"
    assert owner(lines, "scores/2022/objections.csv") == "@dongming/kaoheban"


def test_pull_request_templates_ask_for_reason_and_evidence():
    for path in ("github/.github/pull_request_template.md", "gitea/.gitea/pull_request_template.md",
                 "gitlab/.gitlab/merge_request_templates/Default.md"):
        text = (FORGE / path).read_text(encoding="utf-8")
        assert "## 事由" in text
        assert "## 依据" in text
        assert "dmsite check" in text


def test_hook_definition_runs_check():
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["pass_filenames"]) == ("dmsite-check", "dmsite check", False)


def pre_commit(root: Path) -> subprocess.CompletedProcess:
    # The hook runs the dmsite installed next to this Python.
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_pre_commit_hook_blocks_bad_ledger(tmp_path):
    root = tmp_path / "repo"
    write_project(root, ledger=LEDGER_HEADER + "A1,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n")
    (root / "mkdocs.yml").write_text("site_name: 测试\nplugins:\n  - dmsite\n", encoding="utf-8")
    (root / ".pre-commit-config.yaml").write_bytes((FORGE / "pre-commit/.pre-commit-config.yaml").read_bytes())
    project = GitProject(root)
    project.git("add", "-A")

    result = pre_commit(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout

    with (root / "scores/2022/ledgers/test.csv").open("a", encoding="utf-8") as file:
        file.write("Z9,基层党建,1.1.1,1,事由,依据,审核员,2022-03-01,,a\n")
    project.git("add", "-A")
    result = pre_commit(root)
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "单位编号「Z9」不在单位名册 units.csv 中" in result.stdout
