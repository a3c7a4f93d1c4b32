"""The pipeline in one place: load → validate → score → build pages.

Both adapters, the MkDocs plugin and the `dmsite` command, call these
functions, so a page built by `mkdocs build` and one written by
`dmsite generate` come from the same code.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problems, relative
from .export import ExportFile, data_version, export_files
from .load.dataset import Project, YearData, load_project
from .pages.build import Page, SiteOptions, build_pages, score_data
from .pages.deductions import deductions_data
from .review import ReviewData, ReviewSettings, collect_review, parse_review_settings
from .scoring import Grade, YearScores

__all__ = ["Settings", "Site", "load_site", "read_mkdocs_settings"]


@dataclasses.dataclass(frozen=True)
class Settings:
    """Data locations and display settings, mirroring the plugin's options."""

    root: Path
    rubrics_dir: str = "rubrics"
    scores_dir: str = "scores"
    years: tuple[int, ...] = ()
    precision: int = 1
    banner: str = ""
    grades: tuple[Grade, ...] = ()
    excellence: str = "优秀"
    review: ReviewSettings = ReviewSettings()
    # Output settings the MkDocs plugin sets; see SiteOptions.
    html_tables: bool = False
    directory_urls: bool = True
    search_exclude_units: bool = False
    deductions_page: bool = False
    regions: tuple[str, ...] = ()

    @property
    def options(self) -> SiteOptions:
        return SiteOptions(self.precision, self.banner, self.grades, self.excellence,
                           html_tables=self.html_tables, directory_urls=self.directory_urls,
                           search_exclude_units=self.search_exclude_units,
                           deductions_page=self.deductions_page, regions=self.regions)


@dataclasses.dataclass
class Site:
    """A loaded project with its scores, ready to render."""

    settings: Settings
    project: Project
    scored: list[tuple[YearData, YearScores]]

    @property
    def problems(self) -> Problems:
        return self.project.problems

    def pages(self) -> list[Page]:
        versions = {data.year: self.version(data) for data, _ in self.scored}
        return build_pages(self.scored, self.settings.options, versions, review=self.review)

    @functools.cached_property
    def review(self) -> ReviewData:
        """Return the data's provenance, score history and notice status; reads Git once per Site."""
        settings = self.settings
        return collect_review(settings.root, settings.rubrics_dir, settings.scores_dir, settings.years,
                              settings.options, settings.review, self.scored)

    def version(self, data: YearData) -> str:
        """Return the data version of one year: a SHA-256 digest of its rubric and score files."""
        scores_dir = self.settings.root / self.settings.scores_dir / str(data.year)
        paths = [*data.rubric_files.values(), *data.ledger_files]
        for name in ("units.csv", "measures.csv", "objections.csv"):
            if (scores_dir / name).exists():
                paths.append(relative(scores_dir / name, self.settings.root))
        return data_version(self.settings.root, paths)

    def deductions(self) -> list[tuple[int, str]]:
        """Return each year's 扣分检索 data file (JSON text) for the units this build publishes."""
        options = self.settings.options
        return [(data.year, deductions_data(data, scores, [unit.id for unit in sorted(data.units.values(),
                                                                                       key=lambda unit: unit.id)
                                                           if options.publishes(unit)],
                                            options.directory_urls))
                for data, scores in self.scored]

    def downloads(self) -> list[tuple[int, ExportFile]]:
        """Build every year's downloads (scores and ledger as XLSX, CSV and JSON)."""
        return [(data.year, file) for data, scores in self.scored
                for file in export_files(data, scores, self.version(data))]


def load_site(settings: Settings) -> Site:
    """Load every selected year and score it; scores are computed only when there are no errors."""
    project = load_project(settings.root, settings.rubrics_dir, settings.scores_dir,
                           list(settings.years) or None)
    scored: list[tuple[YearData, YearScores]] = []
    if not project.problems.errors:
        scored = [(data, score_data(data, settings.options)) for data in project.years.values()]
    return Site(settings, project, scored)


def parse_grades(raw: Any, problems: Problems, where: Location) -> tuple[Grade, ...]:
    """Read grade bands from config: a mapping {name: minimum} or a list of {name, min}."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = [(entry.get("name"), entry.get("min")) for entry in raw if isinstance(entry, dict)]
    grades: list[Grade] = []
    for name, minimum in pairs:
        try:
            grades.append(Grade(str(name), Decimal(str(minimum))))
        except ArithmeticError:
            problems.add("schema-type", where, field=f"grades.{name}", value=minimum, detail="应为数字")
    return tuple(grades)


def parse_precision(raw: Any, problems: Problems, where: Location) -> int:
    """Read the number of decimal places shown: a whole number from 0 to 4."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 4:
        return raw
    problems.add("schema-type", where, field="dmsite.precision", value=raw, detail="应为 0 到 4 的整数")
    return 1


def check_excellence(grades: tuple[Grade, ...], excellence: str, problems: Problems, where: Location) -> None:
    """Require the excellence band, when grades are set, to be one of them and the highest.

    Otherwise flagged units could still be graded excellent under another name.
    """
    if not grades:
        return
    names = [grade.name for grade in grades]
    top = max(grades, key=lambda grade: grade.min)
    if excellence not in names or top.name != excellence:
        problems.add("config-excellence", where, value=excellence, names="、".join(names), top=top.name)


class _LenientLoader(yaml.SafeLoader):
    """SafeLoader that tolerates the custom tags mkdocs.yml files often carry."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def read_mkdocs_settings(config_file: Path, problems: Problems) -> Settings:
    """Read the dmsite plugin's options from mkdocs.yml, for the command line."""
    root = config_file.parent
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader) or {}
    except FileNotFoundError:
        return Settings(root)
    except yaml.YAMLError as exc:
        problems.add("yaml-syntax", Location(config_file.name), detail=str(exc).splitlines()[0])
        return Settings(root)
    options: dict[str, Any] = {}
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "dmsite" in plugin:
            options = plugin["dmsite"] or {}
    where = Location(config_file.name)
    grades = parse_grades(options.get("grades") or {}, problems, where)
    excellence = str(options.get("excellence", "优秀"))
    check_excellence(grades, excellence, problems, where)
    return Settings(
        root=(root / options.get("root", ".")).resolve(),
        rubrics_dir=options.get("rubrics_dir", "rubrics"),
        scores_dir=options.get("scores_dir", "scores"),
        years=tuple(int(year) for year in options.get("years", []) or []),
        precision=parse_precision(options.get("precision", 1), problems, where),
        banner=str(options.get("banner", "") or ""),
        grades=grades,
        excellence=excellence,
        review=parse_review_settings(options, config.get("repo_url"), problems, where),
    )
