"""Large tables of generated pages, written as Markdown or as HTML.

Python-Markdown parses a Markdown table cell by cell and runs every inline
pattern over every cell; on a site of thousands of units most of a build
went there. With `SiteOptions.html_tables` (the MkDocs plugin sets it) the
large tables are written as HTML blocks, which Python-Markdown passes
through unparsed; `dmsite generate` keeps plain Markdown tables, which any
Markdown tool reads.

Cells are given as values and fragments (`Link`, `Strong`, `Em`, `Struck`,
`Fragment`), never as preformatted text, so that each piece of text is
escaped for the format it lands in: `escape_markdown` in Markdown, HTML
escaping (markupsafe) inside an HTML block, where Markdown syntax means
nothing. `Markup` values pass through unchanged in both formats and must
be valid in both (e.g. "<br>" or an anchor).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from .markdown import display_number, escape_markdown, format_number

__all__ = ["Either", "Em", "Fragment", "file_href", "Link", "Strong", "Struck", "TableWriter", "lift_tables", "page_url", "relative_href",
           "resolve", "restore_tables"]

# A column: its header and its alignment ("" or "right").
Column = tuple[str, str]


@dataclasses.dataclass(frozen=True)
class Link:
    """A link to another generated page, `target` relative to the current page's .md path (with #fragment)."""

    label: Any
    target: str


@dataclasses.dataclass(frozen=True)
class Strong:
    content: Any


@dataclasses.dataclass(frozen=True)
class Em:
    content: Any


@dataclasses.dataclass(frozen=True)
class Struck:
    """Content shown struck through (a ledger row replaced by a correction)."""

    content: Any


@dataclasses.dataclass(frozen=True)
class Either:
    """A cell piece already written both ways, by code that escapes each itself."""

    markdown: Markup
    html: Markup


@dataclasses.dataclass(frozen=True)
class Fragment:
    """Several values shown one after another in one cell, joined by `separator` (escaped like text)."""

    parts: tuple[Any, ...]
    separator: str = ""


def page_url(path: str, directory_urls: bool) -> str:
    """Return the URL MkDocs gives the page at docs path `path` (a .md file), relative to the site root."""
    stem = path[:-3] if path.endswith(".md") else path
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def resolve(page_path: str, target: str) -> str:
    """Return the docs path a link target (relative, optional #fragment) points to from `page_path`."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_path), target.partition("#")[0]))


def file_href(page_path: str, file_path: str, directory_urls: bool) -> str:
    """Return the URL of a site file (not a page, e.g. 2022/deductions.json) relative to a page's URL."""
    from_url = page_url(page_path, directory_urls)
    from_dir = from_url if from_url == "" or from_url.endswith("/") else posixpath.dirname(from_url)
    return posixpath.relpath("/" + file_path, "/" + from_dir)


def relative_href(page_path: str, target: str, directory_urls: bool) -> str:
    """Turn a link target relative to `page_path` (.md, optional #fragment) into the built page's relative URL.

    Follows MkDocs 1.6 (`File.url` and `get_relative_url`), so an HTML link
    points where the same Markdown link would after MkDocs rewrote it.
    """
    _, hash_mark, fragment = target.partition("#")
    resolved = resolve(page_path, target)
    to_url = page_url(resolved, directory_urls)
    from_url = page_url(page_path, directory_urls)
    from_dir = from_url if from_url == "" or from_url.endswith("/") else posixpath.dirname(from_url)
    href = posixpath.relpath("/" + to_url, "/" + from_dir)
    if to_url.endswith("/") or to_url == "":
        href = href.rstrip("/") + "/"
    return href + hash_mark + fragment


class TableWriter:
    """Write table heads, rows and ends in one format; installed into templates as thead, tr and tend."""

    def __init__(self, html: bool, directory_urls: bool = True, precision: int = 1,
                 unpublished: set[str] | None = None) -> None:
        self.html = html
        self.directory_urls = directory_urls
        self.precision = precision
        # Docs paths of pages another part of a split site publishes: links to them become plain text.
        self.unpublished = unpublished if unpublished is not None else set()

    def head(self, columns: Sequence[Column]) -> Markup:
        if self.html:
            cells = "".join(f"<th{_align(align)}>{escape(label)}</th>" for label, align in columns)
            return Markup(f"<table>\n<thead>\n<tr>{cells}</tr>\n</thead>\n<tbody>")
        header = "| " + " | ".join(str(escape_markdown(label)) for label, _ in columns) + " |"
        rule = "| " + " | ".join("---:" if align == "right" else "---" for _, align in columns) + " |"
        return Markup(header + "\n" + rule)

    def row(self, columns: Sequence[Column], cells: Iterable[Any], page_path: str) -> Markup:
        rendered = [self.cell(value, page_path) for value in cells]
        if self.html:
            return Markup("<tr>" + "".join(f"<td{_align(align)}>{text}</td>"
                                           for (_, align), text in zip(columns, rendered)) + "</tr>")
        return Markup("| " + " | ".join(rendered) + " |")

    def end(self) -> Markup:
        return Markup("</tbody>\n</table>") if self.html else Markup("")

    def cell(self, value: Any, page_path: str) -> str:
        """Render one cell value (text, number, fragment or Markup) for this writer's format."""
        # Plain text and whole numbers are most cells; Markup, a str subclass, is not plain text.
        if type(value) is str:
            return self.text(value)
        if type(value) is int and value >= 0:
            return str(value)
        if value is None:
            return ""
        if isinstance(value, Markup):
            return str(value)
        if isinstance(value, Decimal):
            return display_number(value, self.precision)
        if isinstance(value, Fragment):
            separator = self.cell(value.separator, page_path)
            return separator.join(self.cell(part, page_path) for part in value.parts)
        if isinstance(value, Link):
            label = self.cell(value.label, page_path)
            if self.unpublished and resolve(page_path, value.target) in self.unpublished:
                return label
            if self.html:
                href = relative_href(page_path, value.target, self.directory_urls)
                return f'<a href="{escape(href)}">{label}</a>'
            return f"[{label}]({value.target})"
        if isinstance(value, Strong):
            inner = self.cell(value.content, page_path)
            return f"<strong>{inner}</strong>" if self.html else f"**{inner}**"
        if isinstance(value, Em):
            inner = self.cell(value.content, page_path)
            return f"<em>{inner}</em>" if self.html else f"*{inner}*"
        if isinstance(value, Struck):
            content = value.content
            if isinstance(content, Decimal):
                # Struck points are shown exactly as written in the ledger.
                content = format(content.normalize(), "f")
            return f"<del>{self.cell(content, page_path)}</del>"
        if isinstance(value, Either):
            return str(value.html if self.html else value.markdown)
        return self.text(str(value))

    def text(self, text: str) -> str:
        if not self.html:
            return str(escape_markdown(text))
        # As escape_markdown does: each line trimmed, blank lines dropped, lines joined by <br>.
        lines = text.splitlines()
        if len(lines) == 1:
            return str(escape(lines[0].strip()))
        return "<br>".join(str(escape(line.strip())) for line in lines if line.strip())


def _align(align: str) -> str:
    # The same attribute Python-Markdown's tables extension writes for ---:.
    return ' style="text-align: right;"' if align == "right" else ""


# A table as TableWriter writes it in HTML: cell text is escaped, so the
# first "</table>" at a line start is its own end.
_HTML_TABLE = re.compile(r"^<table>\n<thead>\n.*?^</table>$", re.MULTILINE | re.DOTALL)


def lift_tables(markdown: str, marker: str) -> tuple[str, list[str]]:
    """Replace each HTML table TableWriter wrote with a one-word paragraph `marker` + its number.

    Python-Markdown would pass the table through unchanged, but only after
    running its HTML parser over every tag; `restore_tables` puts the same
    HTML back into the converted page instead.
    """
    tables: list[str] = []

    def keep(match: re.Match[str]) -> str:
        tables.append(match.group(0))
        return f"\n\n{marker}{len(tables) - 1}\n\n"

    return _HTML_TABLE.sub(keep, markdown), tables


def restore_tables(html: str, marker: str, tables: list[str]) -> str:
    """Put back the tables `lift_tables` took out of a page, in place of their marker paragraphs."""
    if not tables:
        return html
    # A table inside a raw HTML block comes back as bare text, one at top level as a paragraph.
    pattern = rf"<p>{re.escape(marker)}(\d+)</p>|{re.escape(marker)}(\d+)"
    return re.sub(pattern, lambda match: tables[int(match.group(1) or match.group(2))], html)
