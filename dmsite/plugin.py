"""MkDocs adapter: register dmsite's generated pages and watch the data folders.

The plugin only wires the pipeline into MkDocs: it loads and scores the
data in `on_files` (every page's Markdown is processed before any page is
written, so scores must exist by then), adds each generated page as a
virtual file, puts one navigation section per year into `nav`, and tells
`mkdocs serve` to rebuild when a rubric or ledger changes.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .background import DownloadBuild
from .errors import Location, Problems
from .pages.deductions import DATA_NAME as DEDUCTIONS_DATA
from .pages.deductions import SCRIPT as DEDUCTIONS_SCRIPT
from .pages.review import footer_html
from .pages.tables import lift_tables, restore_tables
from .parts import write_manifest
from .review import parse_review_settings
from .offline import localise_theme_scripts
from .site import Settings, Site, check_excellence, load_site, parse_grades, parse_precision

__all__ = ["DmsitePlugin", "DmsiteConfig"]

log = logging.getLogger("mkdocs.plugins.dmsite")

# Stylesheet and script shipped with the package (readability, print and
# accessibility repairs to the theme), served under these site paths.
ASSETS_DIR = Path(__file__).parent / "assets"
STYLESHEET = "assets/dmsite/dmsite.css"
SCRIPT = "assets/dmsite/dmsite.js"
# Charts are drawn by the vendored Apache ECharts build (its licence ships
# beside it) and charts.js; print.css turns a unit page into an A4 score sheet.
PRINT_STYLESHEET = "assets/dmsite/print.css"
CHART_SCRIPTS = ("assets/dmsite/echarts.common.min.js", "assets/dmsite/charts.js")
ECHARTS_LICENSE = "assets/dmsite/echarts.LICENSE.txt"
# Template overrides for mkdocs-material: the footer with the data version.
THEME_DIR = Path(__file__).parent / "theme"


class _TextList(c.BaseConfigOption[list]):
    """A list option that also takes one text of items separated by commas, 、 or spaces.

    MkDocs' `!ENV` tag yields text, so a CI job can choose a part of the site
    with an environment variable, e.g. `regions: !ENV [DMSITE_REGIONS, ""]`.
    """

    def __init__(self, kind: type, default: list) -> None:
        super().__init__()
        self.kind = kind
        self.default = default

    def run_validation(self, value: object) -> list:
        if value is None:
            return list(self.default)
        if isinstance(value, str):
            value = [part for part in re.split(r"[,，、\s]+", value) if part]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise c.ValidationError(f"应为列表或以逗号分隔的文字，而不是 {value!r}")
        items = []
        for item in value:
            try:
                items.append(self.kind(item))
            except (TypeError, ValueError):
                raise c.ValidationError(f"「{item}」不是有效的值") from None
        return items


class DmsiteConfig(base.Config):
    """Options of the `dmsite` plugin in mkdocs.yml."""

    root = c.Type(str, default=".")
    """Project folder that contains rubrics/ and scores/, relative to mkdocs.yml."""
    rubrics_dir = c.Type(str, default="rubrics")
    """Folder of rubric YAML files, one subfolder per year, relative to `root`."""
    scores_dir = c.Type(str, default="scores")
    """Folder of units, ledgers and measures, one subfolder per year, relative to `root`."""
    years = _TextList(int, default=[])
    """Years to publish, as a list or a text such as "2021,2022" (so `!ENV` can set it); empty publishes
    every year found under `rubrics_dir`."""
    precision = c.Type(int, default=1)
    """Decimal places shown for scores (rounded half up); sums always use exact values."""
    banner = c.Type(str, default="")
    """Warning shown at the top of every generated page, e.g. 示例数据."""
    grades = c.Type(dict, default={})
    """Grade bands as {name: minimum total}, e.g. {优秀: 90, 良好: 80, 合格: 60}."""
    excellence = c.Type(str, default="优秀")
    """Name of the band that flagged (vetoed) units may not receive."""
    nav_title = c.Type(str, default="{year} 年度")
    """Title of each year's navigation section; `{year}` is replaced by the year."""
    notice = c.Type(dict, default={})
    """Public notice (公示) period per year, both days included, e.g. {2022: {start: 2023-01-09, end: 2023-01-13}}."""
    objection_channel = c.Type(str, default="")
    """How to raise an objection during the notice, shown on every page while it runs (Chinese text)."""
    as_of = c.Optional(c.Type((str, datetime.date)))
    """Data date the notice status is computed for; default: the date of the latest commit that changed the data."""
    forge = c.Choice(("auto", "github", "gitea", "forgejo", "gitlab"), default="auto")
    """Forge behind `repo_url`, for commit links; `auto` picks gitlab when the host name contains gitlab."""
    history_depth = c.Type(int, default=50)
    """Commits that changed the data walked for the change log, newest first; 0 turns the history off."""
    search_unit_pages = c.Type(bool, default=False)
    """Index unit pages in the built-in search. Off by default: on a large site their ledger rows make the
    index too big for a browser, and the 扣分检索 page (deductions.md) finds every reason."""
    parallel_downloads = c.Type(bool, default=False)
    """Write the downloads in a second process (where the system can fork) while the pages are built:
    faster on two or more cores, but the second process copies much of the data's memory."""
    regions = _TextList(str, default=[])
    """Regions (片区 column of units.csv) whose unit pages this build publishes, as a list or a text such as
    "东片、西片" (so `!ENV` can set it); empty publishes every unit. Scores and ranks still cover every unit,
    so parts built separately agree."""


class DmsitePlugin(BasePlugin[DmsiteConfig]):
    def __init__(self) -> None:
        self.site: Site | None = None
        self.settings: Settings | None = None
        # HTML tables lifted out of generated pages before MkDocs converts them (see lift_tables).
        self.tables: dict[str, list[str]] = {}
        self.table_marker = ""
        self.page_count = 0
        self.downloads: DownloadBuild | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # jieba, which the search plugin loads for Chinese, reports its
        # dictionary loading in English on every build; only its warnings matter.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        # State is rebuilt on every build: `mkdocs serve` keeps this instance.
        self.site = None
        self.tables = {}
        if self.downloads is not None:
            self.downloads.cleanup()
            self.downloads = None
        # A fresh marker each build, so no text of a page can be mistaken for one.
        self.table_marker = "DMSITETABLE" + secrets.token_hex(8)
        problems = Problems()
        root = (Path(config.config_file_path).parent / self.config.root).resolve()
        grades = parse_grades(self.config.grades, problems, Location("mkdocs.yml"))
        check_excellence(grades, self.config.excellence, problems, Location("mkdocs.yml"))
        parse_precision(self.config.precision, problems, Location("mkdocs.yml"))
        review = parse_review_settings(self.config, config.repo_url, problems, Location("mkdocs.yml"))
        if problems.errors:
            raise PluginError("\n".join(str(item) for item in problems.errors))
        self.settings = Settings(root, self.config.rubrics_dir, self.config.scores_dir,
                                 tuple(self.config.years), self.config.precision, self.config.banner,
                                 grades, self.config.excellence, review=review, html_tables=True,
                                 directory_urls=config.use_directory_urls,
                                 search_exclude_units=not self.config.search_unit_pages, deductions_page=True,
                                 regions=tuple(self.config.regions))
        # The footer partial must come before the theme's own, but after a user's custom_dir.
        if str(THEME_DIR) not in config.theme.dirs:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        years = self.config.years or _years_on_disk(root / self.config.rubrics_dir)
        config.nav = _with_year_sections(config.nav, years, self.config.nav_title, Path(config.docs_dir))
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        if SCRIPT not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT)
        if PRINT_STYLESHEET not in config.extra_css:
            config.extra_css.append(PRINT_STYLESHEET)
        if DEDUCTIONS_SCRIPT not in [str(known) for known in config.extra_javascript]:
            config.extra_javascript.append(DEDUCTIONS_SCRIPT)
        for script in CHART_SCRIPTS:
            if script not in [str(known) for known in config.extra_javascript]:
                config.extra_javascript.append(script)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.settings is not None
        for uri in (STYLESHEET, SCRIPT, PRINT_STYLESHEET, *CHART_SCRIPTS, ECHARTS_LICENSE, DEDUCTIONS_SCRIPT):
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(ASSETS_DIR / Path(uri).name)))
        site = load_site(self.settings)
        errors = site.problems.errors
        if errors:
            lines = [f"dmsite：发现 {len(errors)} 处数据错误，站点未生成："]
            lines.extend(f"  {item}" for item in sorted(errors, key=lambda item: item.location.sort_key()))
            raise PluginError("\n".join(lines))
        self.site = site
        # The downloads are written first, or by a second process while this one builds and converts the
        # pages (parallel_downloads, see background.py), started before the pages exist to share less memory.
        self.downloads = DownloadBuild(site, background=self.config.parallel_downloads)
        pages = site.pages()
        self.page_count = len(pages)
        for page in pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(f"dmsite：{config.docs_dir} 中已有文件 {page.path}，与生成的页面重名，请删除或改名")
            # Only the index pages are in the nav; the rest are reached by links.
            inclusion = InclusionLevel.INCLUDED if page.path.endswith("index.md") else InclusionLevel.NOT_IN_NAV
            markdown, tables = lift_tables(page.markdown, self.table_marker)
            if tables:
                self.tables[page.path] = tables
            generated = File.generated(config, page.path, content=markdown, inclusion=inclusion)
            files.append(generated)
        for year, content in site.deductions():
            uri = f"{year}/{DEDUCTIONS_DATA}"
            if files.get_file_from_path(uri) is not None:
                raise PluginError(f"dmsite：{config.docs_dir} 中已有文件 {uri}，与生成的检索数据重名，请删除或改名")
            files.append(File.generated(config, uri, content=content))
        for year, name, path in self.downloads.files:
            uri = f"{year}/downloads/{name}"
            if files.get_file_from_path(uri) is not None:
                raise PluginError(f"dmsite：{config.docs_dir} 中已有文件 {uri}，与生成的下载文件重名，请删除或改名")
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        self._pin_build_date(site)
        for data, _ in site.scored:
            counted = sum(1 for entry in data.entries if not entry.inactive)
            log.info("dmsite：%s 年 %d 张评分表、%d 个单位、%d 条计入记录，生成 %d 个页面",
                     data.year, len(data.rubrics), len(data.units), counted, len(pages))
        return files

    def on_page_content(self, html: str, page: Any, config: MkDocsConfig, files: Files) -> str:
        return restore_tables(html, self.table_marker, self.tables.pop(page.file.src_uri, []))

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # MkDocs copies the downloads into the site right after this event.
        if self.downloads is not None:
            failure = self.downloads.wait()
            if failure is not None:
                raise PluginError(f"dmsite：{failure}")
        # Every page's footer shows the data version (theme/partials/copyright.html).
        if self.site is not None:
            env.globals["dmsite_footer"] = footer_html(self.site.review)
        return env

    def _pin_build_date(self, site: Site) -> None:
        """Date the build by its data, so that two builds of one commit are byte-identical.

        MkDocs stamps sitemap.xml with SOURCE_DATE_EPOCH when it is set, and
        with the clock otherwise. A value set by the user is left alone.
        """
        self._previous_epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if self._previous_epoch is not None:
            return
        dates = [entry.date for data, _ in site.scored for entry in data.entries if entry.date is not None]
        if dates:
            latest = datetime.datetime.combine(max(dates), datetime.time(), datetime.timezone.utc)
            os.environ["SOURCE_DATE_EPOCH"] = str(int(latest.timestamp()))
            self._pinned = True

    def on_build_error(self, error: Exception) -> None:
        if self.downloads is not None:
            self.downloads.cleanup()
            self.downloads = None

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.downloads is not None:
            self.downloads.cleanup()
            self.downloads = None
        if self.site is not None and (self.config.years or self.config.regions):
            # A part of a split site: record what it holds for `dmsite join`.
            options = self.site.settings.options
            units = sum(1 for data, _ in self.site.scored for unit in data.units.values() if options.publishes(unit))
            write_manifest(Path(config.site_dir), config.site_name, [data.year for data, _ in self.site.scored],
                           list(self.config.regions), units, self.page_count)
        if getattr(self, "_pinned", False):
            os.environ.pop("SOURCE_DATE_EPOCH", None)
            self._pinned = False
        localise_theme_scripts(Path(config.site_dir))

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        assert self.settings is not None
        for folder in (self.settings.rubrics_dir, self.settings.scores_dir):
            path = self.settings.root / folder
            if path.is_dir():
                server.watch(str(path))
        return server


def _years_on_disk(rubrics_root: Path) -> list[int]:
    if not rubrics_root.is_dir():
        return []
    return sorted(int(path.name) for path in rubrics_root.iterdir() if path.is_dir() and path.name.isdigit())


def _with_year_sections(nav: list | None, years: list[int], title: str, docs_dir: Path) -> list:
    """Insert one bounded section per year after the first nav entry.

    Only the index pages are listed: unit pages are reached from those, so
    no page carries a link to every unit.
    """
    sections = [
        {title.format(year=year): [
            {"概览": f"{year}/index.md"},
            {"单位一览": f"{year}/units/index.md"},
            {"评分细则": f"{year}/rubrics/index.md"},
            {"排名": f"{year}/rankings/index.md"},
            {"扣分检索": f"{year}/deductions.md"},
        ]}
        for year in sorted(years, reverse=True)
    ]
    if nav is None:
        nav = sorted(path.relative_to(docs_dir).as_posix() for path in docs_dir.glob("*.md"))
        if "index.md" in nav:
            nav.remove("index.md")
            nav.insert(0, "index.md")
    return list(nav[:1]) + sections + list(nav[1:])
