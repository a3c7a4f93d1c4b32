"""The pipeline in one place: load → validate → score → build pages.

Both adapters, the MkDocs plugin and the `dmsite` command, call these
functions, so a page built by `mkdocs build` and one written by
`dmsite generate` come from the same code.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problems
from .load.dataset import Project, YearData, load_project
from .pages.build import Page, SiteOptions, build_pages, score_data
from .scoring import Grade, YearScores

__all__ = ["Settings", "Site", "load_site", "read_mkdocs_settings"]


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where the data lives and how scores are shown; mirrors the plugin's options."""

    root: Path
    rubrics_dir: str = "rubrics"
    scores_dir: str = "scores"
    years: tuple[int, ...] = ()
    precision: int = 1
    banner: str = ""
    grades: tuple[Grade, ...] = ()
    excellence: str = "优秀"

    @property
    def options(self) -> SiteOptions:
        return SiteOptions(self.precision, self.banner, self.grades, self.excellence)


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
        return build_pages(self.scored, self.settings.options)


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
    return Settings(
        root=(root / options.get("root", ".")).resolve(),
        rubrics_dir=options.get("rubrics_dir", "rubrics"),
        scores_dir=options.get("scores_dir", "scores"),
        years=tuple(int(year) for year in options.get("years", []) or []),
        precision=int(options.get("precision", 1)),
        banner=str(options.get("banner", "") or ""),
        grades=parse_grades(options.get("grades") or {}, problems, where),
        excellence=str(options.get("excellence", "优秀")),
    )
