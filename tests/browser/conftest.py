"""Fixtures for the browser tests: the sample site built, served by nginx, read in Chromium.

The site is built once per session with the real `mkdocs build --strict` from a
copy of the repository's data. Debian's nginx serves it on 127.0.0.1 with the
shipped `deploy/nginx.conf`. Playwright drives Debian's headless Chromium to
read it, and Playwright's own browser downloads are never used.

Every page opened through the `browse` fixture is guarded: a request to any
origin other than the site's own is aborted before it leaves the browser and
recorded, and so is every console error and uncaught script error; the test
then fails at teardown with the list.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ..nginx import Nginx, nginx_available, serve_site, world_readable_dir

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE_SCRIPT = HERE / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")

# What the site is built from: everything mkdocs.yml reads.
SITE_SOURCES = ("mkdocs.yml", "content", "rubrics", "scores")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _missing_requirement() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    if not nginx_available():
        return "nginx not found (apt-get install nginx)"
    return None


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    """Skip the browser tests where Chromium, nginx or playwright is missing; in CI, fail instead."""
    missing = _missing_requirement()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {missing}")
    pytest.skip(f"browser tests skipped: {missing}")


@dataclasses.dataclass
class ServedSite:
    """The sample site as built and served for one test session."""

    source: Path
    """Copy of the repository's data the site was built from."""
    site_dir: Path
    server: Nginx

    @property
    def url(self) -> str:
        return self.server.base_url

    @property
    def origin(self) -> str:
        return self.server.base_url.rstrip("/")


@pytest.fixture(scope="session")
def served_site(browser_requirements: None) -> Iterator[ServedSite]:
    """Build the sample site from a copy of the repository and serve it with nginx."""
    work = world_readable_dir("dmsite-browser-")
    try:
        source = work / "project"
        source.mkdir()
        for name in SITE_SOURCES:
            path = REPO / name
            if path.is_dir():
                shutil.copytree(path, source / name)
            else:
                shutil.copy2(path, source / name)
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        site_dir = work / "site"
        build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                               cwd=source, capture_output=True, text=True, env=env, timeout=600)
        assert build.returncode == 0, build.stderr
        site_dir.chmod(0o755)
        server = serve_site(site_dir, work)
        with server:
            yield ServedSite(source, site_dir, server)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_driver(browser_requirements: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


class Guard:
    """Records what a page does that a site on an offline intranet must not do.

    Only requests made by pages (documents, scripts, images, fetches, workers)
    pass through the route handler. The browser's own background traffic does
    not, and the launch flags switch most of it off.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def route(self, route: Any) -> None:
        request = route.request
        if self.allows(request.url):
            route.continue_()
            return
        self.blocked.append(f"{request.method} {request.url} ({request.resource_type})")
        route.abort("blockedbyclient")

    def websocket(self, socket: Any) -> None:
        # A WebSocket route that never connects to the server sends nothing.
        self.blocked.append(f"WebSocket {socket.url}")
        socket.close()

    def console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            self.errors.append(f"console error: {message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})")

    def page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught error: {error}")

    def watch(self, page: Any) -> None:
        page.on("console", self.console)
        page.on("pageerror", self.page_error)

    def take(self, predicate: Callable[[str], bool], kind: str) -> list[str]:
        """Remove and return the recorded blocked requests or errors that match, for tests that cause them."""
        records = self.blocked if kind == "blocked" else self.errors
        taken = [record for record in records if predicate(record)]
        records[:] = [record for record in records if not predicate(record)]
        return taken

    def problems(self) -> list[str]:
        return [f"request to another origin, aborted: {entry}" for entry in self.blocked] + self.errors


@dataclasses.dataclass
class Browsing:
    """A fresh Chromium profile with one guarded page on the served site."""

    site: ServedSite
    context: Any
    page: Any
    guard: Guard

    def open(self, path: str) -> Any:
        """Load a site path such as 2022/units/JG01/ and wait until the network is idle."""
        response = self.page.goto(self.site.url + path.lstrip("/"), wait_until="networkidle")
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        return response

    def follow(self, link: Any) -> None:
        """Click a link and wait until the page it leads to has loaded."""
        with self.page.expect_navigation(wait_until="load"):
            link.click()

    def inject_axe(self) -> None:
        self.page.add_script_tag(path=str(AXE_SCRIPT))


def launch(driver: Any, profile: Path, site: ServedSite, preferences: dict | None = None,
           **options: Any) -> Browsing:
    """Start Chromium on a fresh user-data-dir with the guard installed on its context."""
    profile.mkdir(parents=True)
    if preferences is not None:
        # Chromium reads the profile's Preferences file at start, as if the reader had changed settings.
        (profile / "Default").mkdir()
        (profile / "Default" / "Preferences").write_text(json.dumps(preferences), encoding="utf-8")
    options.setdefault("viewport", DESKTOP)
    options.setdefault("locale", "zh-CN")
    context = driver.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, **options)
    guard = Guard(site.origin)
    context.route("**/*", guard.route)
    context.route_web_socket("**/*", guard.websocket)
    page = context.pages[0] if context.pages else context.new_page()
    guard.watch(page)
    context.on("page", guard.watch)
    return Browsing(site, context, page, guard)


@pytest.fixture
def browse(playwright_driver: Any, served_site: ServedSite, tmp_path: Path) -> Iterator[Callable[..., Browsing]]:
    """Return a function that opens a guarded browser; the test fails if any guard records a problem."""
    opened: list[Browsing] = []

    def open_browser(preferences: dict | None = None, **options: Any) -> Browsing:
        browsing = launch(playwright_driver, tmp_path / f"profile-{len(opened)}", served_site, preferences, **options)
        opened.append(browsing)
        return browsing

    yield open_browser

    problems: list[str] = []
    for browsing in opened:
        browsing.context.close()
        problems.extend(browsing.guard.problems())
    if problems:
        pytest.fail("the page did what an offline site must not do:\n  " + "\n  ".join(problems))


@pytest.fixture
def browser(browse: Callable[..., Browsing]) -> Browsing:
    """One guarded desktop browser (1366×768)."""
    return browse()
