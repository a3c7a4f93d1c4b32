"""Provenance, history and footer on sites built by real `mkdocs build` from temporary Git repositories."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from dmsite.gitdata import Commit
from dmsite.provenance import CommitLinks

from .conftest import write_project
from .gitrepo import GitProject
from .test_site import mkdocs_build, page_text

HEADER = "单位编号,体系,条目,分值,事由,依据,审核人,日期,状态,规则,备注,更正,更正说明\n"
LEDGER = "scores/2022/ledgers/test.csv"
AWARD = "A1,基层党建,2.1.1,3,市级肯定,批示,审核员甲,2022-04-01,,a,,,\n"
DEDUCTION = "A1,基层党建,1.1.1,2,未按时报送,督查记录,审核员乙,2022-05-01,,b,,,\n"

MKDOCS_YML = """\
site_name: 测试站点
docs_dir: content
{repo_url}
theme:
  name: material
  language: zh
  font: false
markdown_extensions: [tables, admonition, attr_list, md_in_html]
plugins:
  - search
  - dmsite:
      grades: {{优秀: 34}}
nav:
  - 首页: index.md
"""


def write_site(root: Path, rows: str, repo_url: str = "") -> None:
    write_project(root, ledger=HEADER + rows)
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")
    line = f"repo_url: {repo_url}" if repo_url else ""
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(repo_url=line), encoding="utf-8")


def two_commits(root: Path, repo_url: str = "") -> tuple[GitProject, str, str]:
    """A site whose award row is committed on 2023-01-05 and whose deduction row on 2023-01-08."""
    write_site(root, AWARD, repo_url)
    project = GitProject(root)
    first = project.commit("录入初始台账", author="审核员甲", date="2023-01-05T10:00:00+08:00")
    project.append(LEDGER, DEDUCTION)
    second = project.commit("扣分：未按时报送", author="审核员乙", date="2023-01-08T23:30:00+08:00")
    return project, first, second


def built(root: Path) -> Path:
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def flat(path: Path) -> str:
    return " ".join(page_text(path).split())


def test_rows_show_commit_that_last_changed_them(tmp_path):
    project, first, second = two_commits(tmp_path)
    # A later commit rewrites the award row only: it becomes that row's last change.
    ledger = (tmp_path / LEDGER).read_text(encoding="utf-8")
    project.write(LEDGER, ledger.replace(",批示,", ",市委批示第3号,"))
    third = project.commit("补全依据", author="审核员丙", date="2023-01-09T09:00:00+08:00")

    text = flat(built(tmp_path) / "2022" / "units" / "A1" / "index.html")
    assert f"{third[:7]} 审核员丙 2023-01-09：补全依据" in text
    assert f"{second[:7]} 审核员乙 2023-01-08：扣分：未按时报送" in text
    assert first[:7] not in text.split("扣分与加分记录")[1].split("得分变更记录")[0]


def test_commit_links_follow_repo_url(tmp_path):
    _, _, second = two_commits(tmp_path, repo_url="https://gitlab.example.invalid/jiedao/dmsite")
    raw = (built(tmp_path) / "2022" / "units" / "A1" / "index.html").read_text(encoding="utf-8")
    assert f'href="https://gitlab.example.invalid/jiedao/dmsite/-/commit/{second}"' in raw


def test_commit_link_forms():
    commit = Commit("0123456789abcdef0123456789abcdef01234567", "甲", __import__("datetime").date(2023, 1, 5), "x")
    assert CommitLinks("https://github.com/a/b").url(commit) == f"https://github.com/a/b/commit/{commit.hash}"
    assert CommitLinks("https://git.example.invalid/a/b.git").url(commit) == \
        f"https://git.example.invalid/a/b/commit/{commit.hash}"
    assert CommitLinks("https://gitlab.example.invalid/a/b/").url(commit) == \
        f"https://gitlab.example.invalid/a/b/-/commit/{commit.hash}"
    assert CommitLinks("https://code.example.invalid/a/b", "gitlab").url(commit) == \
        f"https://code.example.invalid/a/b/-/commit/{commit.hash}"
    assert CommitLinks("https://gitlab.example.invalid/a/b", "forgejo").url(commit) == \
        f"https://gitlab.example.invalid/a/b/commit/{commit.hash}"
    assert CommitLinks("").url(commit) is None


def test_footer_shows_data_version_and_checksum(tmp_path):
    _, _, second = two_commits(tmp_path, repo_url="https://git.example.invalid/jiedao/dmsite")
    site = built(tmp_path)
    footers = []
    for page in (site / "index.html", site / "2022" / "units" / "A1" / "index.html"):
        raw = page.read_text(encoding="utf-8")
        match = re.search(r'<div class="dmsite-version">(.*?)</div>', raw)
        assert match, page
        footers.append(match.group(1))
    assert footers[0] == footers[1]
    assert footers[0].startswith(f'数据版本 <a href="https://git.example.invalid/jiedao/dmsite/commit/{second}">'
                                 f"<code>{second[:7]}</code></a>（2023-01-08） · 输入文件 SHA-256 <code>")
    assert re.fullmatch(r".*<code>[0-9a-f]{12}</code>", footers[0])


def test_uncommitted_rows_are_marked(tmp_path):
    two_commits(tmp_path)
    with (tmp_path / LEDGER).open("a", encoding="utf-8") as file:
        file.write("A2,基层党建,1.1.1,1,尚未提交的扣分,记录,审核员丁,2022-06-01,,a,,,\n")
    site = built(tmp_path)
    assert "未提交的改动" in flat(site / "2022" / "units" / "A2" / "index.html")
    raw = (site / "index.html").read_text(encoding="utf-8")
    assert "（另有未提交的改动）" in raw


def test_untracked_ledger_rows_are_uncommitted(tmp_path):
    two_commits(tmp_path)
    (tmp_path / "scores/2022/ledgers/new.csv").write_text(
        HEADER + "B1,基层党建,1.1.1,1,新台账中的扣分,记录,审核员丁,2022-06-01,,a,,,\n", encoding="utf-8")
    text = flat(built(tmp_path) / "2022" / "units" / "B1" / "index.html")
    assert "新台账中的扣分 记录 审核员丁 2022-06-01 有效 未提交的改动" in text


def test_without_git_says_unavailable(tmp_path):
    two_commits(tmp_path / "repo")
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "repo", copy, ignore=shutil.ignore_patterns(".git", "site"))
    git_site = built(tmp_path / "repo")
    plain_site = built(copy)

    text = flat(plain_site / "2022" / "units" / "A1" / "index.html")
    assert "未按时报送 督查记录 审核员乙 2022-05-01 有效 来源信息不可用" in text
    assert "得分变更记录 来源信息不可用：本站不是从 Git 仓库生成的" in text
    assert "来源信息不可用：本站不是从 Git 仓库生成的，无法列出得分的变更记录。" in flat(
        plain_site / "2022" / "changes" / "index.html")

    plain_footer = re.search(r'<div class="dmsite-version">(.*?)</div>',
                             (plain_site / "index.html").read_text(encoding="utf-8")).group(1)
    git_footer = re.search(r'<div class="dmsite-version">(.*?)</div>',
                           (git_site / "index.html").read_text(encoding="utf-8")).group(1)
    assert plain_footer.startswith("数据版本：来源信息不可用 · 输入文件 SHA-256 <code>")
    # The checksum depends on the files only, not on Git.
    assert plain_footer.rsplit("<code>", 1)[1] == git_footer.rsplit("<code>", 1)[1]


def test_checksum_changes_with_any_input_file(tmp_path):
    write_site(tmp_path, AWARD)
    before = re.search(r"SHA-256 <code>([0-9a-f]{12})</code>",
                       (built(tmp_path) / "index.html").read_text(encoding="utf-8")).group(1)
    measures = tmp_path / "scores" / "2022" / "measures.csv"
    measures.write_text(measures.read_text(encoding="utf-8").replace(",满意度,,100", ",满意度,,99", 1),
                        encoding="utf-8")
    after = re.search(r"SHA-256 <code>([0-9a-f]{12})</code>",
                      (built(tmp_path) / "index.html").read_text(encoding="utf-8")).group(1)
    assert before != after


def test_unit_timeline_and_change_log(tmp_path):
    _, first, second = two_commits(tmp_path)
    site = built(tmp_path)

    text = flat(site / "2022" / "units" / "A1" / "index.html")
    timeline = text.split("得分变更记录", 1)[1]
    # 34 + 3 = 37 after the award; the deduction of 2 gives 35.
    assert f"2023-01-08 {second[:7]} 扣分：未按时报送 基层党建 37 35 −2" in timeline
    assert f"2023-01-05 {first[:7]} 录入初始台账 基层党建 — 37 首次录入" in timeline
    other = flat(site / "2022" / "units" / "B1" / "index.html").split("得分变更记录", 1)[1]
    assert f"2023-01-05 {first[:7]} 录入初始台账 基层党建 — 34 首次录入" in other
    assert second[:7] not in other

    changes = flat(site / "2022" / "changes" / "index.html")
    assert f"2023-01-08 {second[:7]} 审核员乙 扣分：未按时报送 单位甲 基层党建 37 35 −2" in changes
    assert f"2023-01-05 {first[:7]} 审核员甲 录入初始台账 首次录入：3 个单位的 3 项得分" in changes
    assert changes.index(second[:7]) < changes.index(first[:7])

    index = (site / "2022" / "index.html").read_text(encoding="utf-8")
    assert 'href="changes/"' in index
    assert 'href="objections/"' in index


def test_change_log_depth_is_bounded(tmp_path):
    project, _, _ = two_commits(tmp_path)
    config = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("grades: {优秀: 34}", "grades: {优秀: 34}\n      history_depth: 1"))
    site = built(tmp_path)
    changes = flat(site / "2022" / "changes" / "index.html")
    assert "只检查了最近 1 次改动数据的提交" in changes
    # The one commit walked is compared with the state before it, not shown as the first entry.
    assert "单位甲 基层党建 37 35 −2" in changes
    assert "首次录入" not in changes
    assert "在已检查的提交中，本单位的得分没有变化。" in flat(site / "2022" / "units" / "B1" / "index.html")


def test_history_can_be_turned_off(tmp_path):
    project, _, second = two_commits(tmp_path)
    config = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("grades: {优秀: 34}", "grades: {优秀: 34}\n      history_depth: 0"))
    site = built(tmp_path)
    text = flat(site / "2022" / "units" / "A1" / "index.html")
    assert f"{second[:7]} 审核员乙 2023-01-08：扣分：未按时报送" in text
    assert "得分变更记录 本站没有启用得分变更记录。" in text
    assert "本站没有启用得分变更记录。" in flat(site / "2022" / "changes" / "index.html")
