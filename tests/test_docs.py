"""Every command shown in the user guides runs, in page order, in a copy of the repository.

A fenced block without a language, or marked bash/sh/shell/console, holds
commands: one per line, `#` lines are comments, a trailing backslash joins
lines, and a leading `$ ` is dropped. A block right after the comment
`<!-- 示例文件：PATH -->` is an example file, written to PATH in the copy
before the commands that follow it run.

Each page gets a fresh copy that is a git repository with a bare `origin`
beside it, as a reviewer's clone would be. Commands run as written, with
the test environment's `dmsite`, `mkdocs` and `python3` first on PATH.
A short table of adapters covers what a test cannot do as a reader does.
A reader fills in the Excel template by hand, so the test types one row.
The deployment guide uses `sudo`, /etc/nginx, /var/www and a running nginx,
so those map to a fake root in the copy and to an nginx on 127.0.0.1 that
the test starts and stops.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .nginx import (MIME_TYPES, NGINX, Nginx, check_config, free_port, localise, main_config, nginx_available,
                    world_readable_dir)

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "content"

COMMAND_LANGUAGES = {"", "bash", "sh", "shell", "console"}
EXAMPLE_FILE = re.compile(r"^<!--\s*示例文件：(\S+)\s*-->$")
# What a user's project folder holds; `pip wheel .` needs the package sources too.
PROJECT_FILES = ("mkdocs.yml", "content", "rubrics", "scores", "deploy", "dmsite", "pyproject.toml", "README.md")
# Debian's own default site, which the deployment guide disables.
DEBIAN_DEFAULT_SITE = Path("/etc/nginx/sites-available/default")


@dataclasses.dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int
    example_file: str | None


def fenced_blocks(markdown: str) -> list[Block]:
    """Return the fenced code blocks of a page that start at the left margin."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    previous = ""
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            language = line[3:].strip().split(" ")[0]
            start = index + 1
            end = start
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            mark = EXAMPLE_FILE.match(previous.strip())
            blocks.append(Block(language, "\n".join(lines[start:end]) + "\n", index + 1,
                                mark.group(1) if mark else None))
            index = end + 1
            previous = ""
            continue
        if line.strip():
            previous = line
        index += 1
    return blocks


def commands(block: Block) -> list[str]:
    """Split a command block into commands."""
    result: list[str] = []
    pending = ""
    for raw in block.text.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        result.append(pending + line)
        pending = ""
    return result


def pages_with_commands() -> list[Path]:
    pages = []
    for page in sorted(DOCS.rglob("*.md")):
        blocks = fenced_blocks(page.read_text(encoding="utf-8"))
        if any(block.language in COMMAND_LANGUAGES and block.example_file is None for block in blocks):
            pages.append(page)
    return pages


@dataclasses.dataclass
class Workspace:
    """A copy of the project with a bare origin, a fake system root and an environment."""

    root: Path
    project: Path
    system: Path
    env: dict[str, str]
    log: list[str] = dataclasses.field(default_factory=list)
    stdout: str = ""

    def run(self, command: str | list[str], expect_status: int = 0, timeout: float = 900,
            env: dict[str, str] | None = None) -> str:
        shell = isinstance(command, str)
        result = subprocess.run(command, cwd=self.project, env=env or self.env, shell=shell,
                                executable="/bin/bash" if shell else None, capture_output=True, text=True,
                                timeout=timeout)
        output = result.stdout + result.stderr
        self.stdout = result.stdout
        self.log.append(f"$ {command}\n{output}")
        assert result.returncode == expect_status, (
            f"{command!r} exited with {result.returncode}, expected {expect_status}:\n{output}")
        return output


def make_workspace() -> Workspace:
    root = world_readable_dir("dmsite-docs-")
    project = root / "project"
    project.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=ignore)
        else:
            shutil.copy2(source, project / name)

    # What /etc/nginx looks like after `apt-get install nginx` on Debian.
    system = root / "system"
    nginx_dir = system / "etc" / "nginx"
    for folder in ("sites-available", "sites-enabled", "conf.d"):
        (nginx_dir / folder).mkdir(parents=True)
    (system / "var" / "www").mkdir(parents=True)
    default_site = (DEBIAN_DEFAULT_SITE.read_text(encoding="utf-8") if DEBIAN_DEFAULT_SITE.is_file()
                    else "server {\n\tlisten 80 default_server;\n\troot /var/www/html;\n}\n")
    (nginx_dir / "sites-available" / "default").write_text(default_site, encoding="utf-8")
    (nginx_dir / "sites-enabled" / "default").symlink_to(nginx_dir / "sites-available" / "default")
    (nginx_dir / "nginx.conf").write_text(
        main_config(system, [str(nginx_dir / "conf.d" / "*.conf"), str(nginx_dir / "sites-enabled" / "*")]),
        encoding="utf-8")

    env = {**os.environ,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "NO_MKDOCS_2_WARNING": "1",
           "GIT_AUTHOR_NAME": "示例审核员", "GIT_AUTHOR_EMAIL": "reviewer@example.invalid",
           "GIT_COMMITTER_NAME": "示例审核员", "GIT_COMMITTER_EMAIL": "reviewer@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root)}
    env.pop("VIRTUAL_ENV", None)
    workspace = Workspace(root, project, system, env)

    workspace.run(["git", "init", "-q", "-b", "main"])
    workspace.run(["git", "add", "-A"])
    workspace.run(["git", "commit", "-q", "-m", "示例数据"])
    workspace.run(["git", "init", "-q", "--bare", str(root / "origin.git")])
    workspace.run(["git", "remote", "add", "origin", str(root / "origin.git")])
    workspace.run(["git", "push", "-q", "-u", "origin", "main"])
    return workspace


# --- Adapters: what the test runs for a documented command that it cannot run as written. ---

def to_fake_root(workspace: Workspace, command: str) -> str:
    """Drop sudo and point /etc/nginx and /var/www at the workspace's fake root."""
    command = re.sub(r"^sudo\s+", "", command)
    for system_path in ("/etc/nginx/", "/var/www/"):
        command = command.replace(system_path, str(workspace.system) + system_path)
    return command


def nginx_test(workspace: Workspace, command: str) -> None:
    config = workspace.system / "etc" / "nginx" / "nginx.conf"
    result = subprocess.run([NGINX, "-t", "-p", str(workspace.system), "-e", str(workspace.system / "error.log"),
                             "-c", str(config)], capture_output=True, text=True, timeout=60)
    workspace.log.append(f"$ {command}\n{result.stderr}")
    assert result.returncode == 0, result.stderr
    # The guide asks the reader to look for these two phrases.
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr


def nginx_reload(workspace: Workspace, command: str) -> None:
    """Serve the enabled sites as nginx would after the reload, on 127.0.0.1, and fetch pages."""
    enabled = sorted((workspace.system / "etc" / "nginx" / "sites-enabled").iterdir())
    assert [path.name for path in enabled] == ["dmsite"], "only the dmsite site should be enabled"
    serve = workspace.root / "serve"
    serve.mkdir(exist_ok=True)
    port = free_port()
    site_root = workspace.system / "var" / "www" / "dmsite"
    server_block = serve / "dmsite.conf"
    server_block.write_text(localise(enabled[0].read_text(encoding="utf-8"), port, site_root), encoding="utf-8")
    config = serve / "nginx.conf"
    config.write_text(main_config(serve, [str(server_block)]), encoding="utf-8")
    assert check_config(config, serve).returncode == 0
    with Nginx(config, serve, port) as server:
        status, headers, body = server.get("/")
        assert status == 200
        assert "东明路街道年度考核结果公示" in body.decode("utf-8")
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        status, _, _ = server.get("/guide/deploy/")
        assert status == 200
        status, _, body = server.get("/no-such-page/")
        assert status == 404
    workspace.log.append(f"$ {command}\n(served {site_root} on {server.base_url})")


def fill_template_then_import(workspace: Workspace, command: str) -> None:
    """Type one new row into the template, as a reviewer would in Excel, then run the import as written."""
    from openpyxl import load_workbook

    workbook_path = workspace.project / shlex.split(command)[2]
    workbook = load_workbook(workbook_path)
    units = {row[0] for row in workbook["单位"].iter_rows(min_row=2, values_only=True) if row[0]}
    ledger = workbook["台账"]
    headers = [cell.value for cell in ledger[1]]
    row = first_ledger_row(workspace.project, units)
    row["事由"] += "（复查）"
    for column, header in enumerate(headers, start=1):
        ledger.cell(row=2, column=column, value=row.get(header) or None)
    workbook.save(workbook_path)
    workspace.run(command)


def first_ledger_row(project: Path, units: set[str]) -> dict[str, str]:
    import csv

    for path in sorted((project / "scores" / "2022" / "ledgers").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for record in csv.DictReader(handle):
                if record["单位编号"] in units and not record.get("状态"):
                    return dict(record)
    raise LookupError("no ledger row for the template's units")


def expect_missing_measures(workspace: Workspace, command: str) -> None:
    # The new-year guide states that this check lists the missing measures and ends with the error count.
    output = workspace.run(command, expect_status=1)
    assert "缺少测量值「满意度」" in output
    # The summary is the last line on standard output. The errors go to standard error before it.
    assert workspace.stdout.strip().splitlines()[-1].startswith("发现 ")


def pip_wheel(workspace: Workspace, command: str) -> None:
    # Downloads from the package index configured for pip, as on the reader's connected computer.
    workspace.run(command, timeout=1500)
    wheels = {path.name.split("-")[0].lower() for path in (workspace.project / "wheels").glob("*.whl")}
    assert {"dmsite", "mkdocs", "mkdocs_material", "jieba", "pydantic"} <= wheels


def pip_install_offline(workspace: Workspace, command: str) -> None:
    # This machine's own pip settings add local package folders. Without them the
    # install finds only the wheels folder, as on the intranet server.
    env = {name: value for name, value in workspace.env.items() if not name.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    workspace.run(command, env=env)


ADAPTERS: list[tuple[re.Pattern[str], Callable[[Workspace, str], None]]] = [
    (re.compile(r"\bpip install --no-index\b"), pip_install_offline),
    (re.compile(r"^(sudo\s+)?nginx -t$"), nginx_test),
    (re.compile(r"^(sudo\s+)?nginx -s reload$"), nginx_reload),
    (re.compile(r"^dmsite import \S+\.xlsx\b"), fill_template_then_import),
    (re.compile(r"^dmsite --year 2023 check$"), expect_missing_measures),
    (re.compile(r"^python3 -m pip wheel\b"), pip_wheel),
]


def run_documented(workspace: Workspace, command: str) -> None:
    mapped = to_fake_root(workspace, command)
    for pattern, adapter in ADAPTERS:
        if pattern.search(command):
            adapter(workspace, mapped)
            return
    workspace.run(mapped)


@pytest.fixture
def workspace() -> Iterator[Workspace]:
    workspace = make_workspace()
    yield workspace
    shutil.rmtree(workspace.root, ignore_errors=True)


@pytest.mark.parametrize("page", pages_with_commands(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_documented_commands_run(page: Path, workspace: Workspace):
    text = page.read_text(encoding="utf-8")
    if "nginx" in text and not nginx_available():
        if os.environ.get("CI"):
            pytest.fail("nginx not found (apt-get install nginx)")
        pytest.skip("nginx not found (apt-get install nginx)")
    ran = 0
    for block in fenced_blocks(text):
        if block.example_file is not None:
            target = workspace.project / block.example_file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            continue
        if block.language not in COMMAND_LANGUAGES:
            continue
        for command in commands(block):
            try:
                run_documented(workspace, command)
            except AssertionError as error:
                raise AssertionError(f"{page.name} line {block.line}: {command}\n{error}") from None
            ran += 1
    assert ran > 0


def test_every_guide_page_in_nav():
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted((DOCS / "guide").glob("*.md")):
        assert f"guide/{page.name}" in config, f"{page.name} is not in the nav of mkdocs.yml"


def test_screenshots_shown_in_guide():
    guide = (DOCS / "guide" / "screenshots.md").read_text(encoding="utf-8")
    shots = sorted(path.name for path in (DOCS / "screenshots").glob("*.png"))
    assert len(shots) == 8
    for name in shots:
        assert f"../screenshots/{name}" in guide
        data = (DOCS / "screenshots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        # Kept small: the committed set is for reviewers, not a gallery.
        assert len(data) < 150_000, name


def test_shipped_nginx_config_valid():
    if not nginx_available():
        if os.environ.get("CI"):
            pytest.fail("nginx not found (apt-get install nginx)")
        pytest.skip("nginx not found (apt-get install nginx)")
    prefix = world_readable_dir("dmsite-nginx-t-")
    try:
        site = prefix / "site"
        site.mkdir()
        server = prefix / "dmsite.conf"
        server.write_text(localise((REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8"), free_port(), site),
                          encoding="utf-8")
        config = prefix / "nginx.conf"
        config.write_text(main_config(prefix, [str(server)]), encoding="utf-8")
        result = check_config(config, prefix)
        assert result.returncode == 0, result.stderr
        assert MIME_TYPES.is_file()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
