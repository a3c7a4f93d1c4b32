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
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .errors import Location, Problems
from .site import Settings, Site, load_site, parse_grades

__all__ = ["DmsitePlugin", "DmsiteConfig"]

log = logging.getLogger("mkdocs.plugins.dmsite")


class DmsiteConfig(base.Config):
    """Options of the `dmsite` plugin in mkdocs.yml."""

    root = c.Type(str, default=".")
    """Project folder that holds rubrics/ and scores/, relative to mkdocs.yml."""
    rubrics_dir = c.Type(str, default="rubrics")
    """Folder of rubric YAML files, one subfolder per year, relative to `root`."""
    scores_dir = c.Type(str, default="scores")
    """Folder of units, ledgers and measures, one subfolder per year, relative to `root`."""
    years = c.ListOfItems(c.Type(int), default=[])
    """Years to publish; empty publishes every year found under `rubrics_dir`."""
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


class DmsitePlugin(BasePlugin[DmsiteConfig]):
    def __init__(self) -> None:
        self.site: Site | None = None
        self.settings: Settings | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # State is rebuilt on every build: `mkdocs serve` keeps this instance.
        self.site = None
        problems = Problems()
        root = (Path(config.config_file_path).parent / self.config.root).resolve()
        grades = parse_grades(self.config.grades, problems, Location("mkdocs.yml"))
        if problems.errors:
            raise PluginError("\n".join(str(item) for item in problems.errors))
        self.settings = Settings(root, self.config.rubrics_dir, self.config.scores_dir,
                                 tuple(self.config.years), self.config.precision, self.config.banner,
                                 grades, self.config.excellence)
        years = self.config.years or _years_on_disk(root / self.config.rubrics_dir)
        config.nav = _with_year_sections(config.nav, years, self.config.nav_title, Path(config.docs_dir))
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.settings is not None
        site = load_site(self.settings)
        errors = site.problems.errors
        if errors:
            lines = [f"dmsite：发现 {len(errors)} 处数据错误，站点未生成："]
            lines.extend(f"  {item}" for item in sorted(errors, key=lambda item: item.location.sort_key()))
            raise PluginError("\n".join(lines))
        self.site = site
        pages = site.pages()
        for page in pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(f"dmsite：{config.docs_dir} 中已有文件 {page.path}，与生成的页面重名，请删除或改名")
            # Only the index pages are in the nav; the rest are reached by links.
            inclusion = InclusionLevel.INCLUDED if page.path.endswith("index.md") else InclusionLevel.NOT_IN_NAV
            generated = File.generated(config, page.path, content=page.markdown, inclusion=inclusion)
            files.append(generated)
        self._pin_build_date(site)
        for data, _ in site.scored:
            counted = sum(1 for entry in data.entries if not entry.withdrawn)
            log.info("dmsite：%s 年 %d 张评分表、%d 个单位、%d 条计入记录，生成 %d 个页面",
                     data.year, len(data.rubrics), len(data.units), counted, len(pages))
        return files

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

    def on_post_build(self, config: MkDocsConfig) -> None:
        if getattr(self, "_pinned", False):
            os.environ.pop("SOURCE_DATE_EPOCH", None)
            self._pinned = False

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
        ]}
        for year in sorted(years, reverse=True)
    ]
    if nav is None:
        nav = sorted(path.relative_to(docs_dir).as_posix() for path in docs_dir.glob("*.md"))
        if "index.md" in nav:
            nav.remove("index.md")
            nav.insert(0, "index.md")
    return list(nav[:1]) + sections + list(nav[1:])
