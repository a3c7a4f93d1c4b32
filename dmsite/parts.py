"""A large site built as independent parts, and the static page that joins them.

Each part is an ordinary `mkdocs build` with the plugin's `years` and
`regions` options narrowed (e.g. one CI job per group of regions). Every
part loads and scores all units of its years, so ranks agree between parts,
but it writes only its own units' pages. The plugin leaves a manifest,
`dmsite-part.json`, in each part's site folder. `dmsite join DIR` reads the
manifests in DIR's subfolders and writes DIR/index.html, a page without
scripts or outside resources that links to every part.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from markupsafe import escape

__all__ = ["MANIFEST", "Part", "read_parts", "write_index", "write_manifest"]

MANIFEST = "dmsite-part.json"


@dataclasses.dataclass(frozen=True)
class Part:
    """A part of a split site, as its manifest records it."""

    folder: str
    title: str
    years: tuple[int, ...]
    regions: tuple[str, ...]
    units: int
    pages: int


def write_manifest(site_dir: Path, title: str, years: list[int], regions: list[str], units: int, pages: int) -> None:
    """Record in a part's site folder which years and regions it publishes."""
    record = {"title": title, "years": years, "regions": regions, "units": units, "pages": pages}
    (site_dir / MANIFEST).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_parts(directory: Path) -> list[Part]:
    """Read the manifest of every part in `directory`'s subfolders, sorted by folder name."""
    parts = []
    for manifest in sorted(directory.glob(f"*/{MANIFEST}")):
        record = json.loads(manifest.read_text(encoding="utf-8"))
        parts.append(Part(manifest.parent.name, str(record["title"]), tuple(int(year) for year in record["years"]),
                          tuple(str(region) for region in record["regions"]), int(record["units"]),
                          int(record["pages"])))
    return parts


def write_index(directory: Path, title: str) -> list[Part]:
    """Write directory/index.html linking to each part found there; returns the parts."""
    parts = read_parts(directory)
    rows = []
    for part in parts:
        years = "、".join(str(year) for year in part.years) or "全部"
        regions = "、".join(part.regions) or "全部片区"
        rows.append(f'<tr><td><a href="{escape(part.folder)}/">{escape(part.title)}</a></td>'
                    f"<td>{escape(years)}</td><td>{escape(regions)}</td>"
                    f'<td class="n">{part.units}</td><td class="n">{part.pages}</td></tr>')
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.6; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .4rem .6rem; text-align: left; }}
td.n {{ text-align: right; }}
</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p>本站按年度和片区分为 {len(parts)} 个部分分别生成。各部分的排名均按本年度全部单位计算；点击部分名称进入。</p>
<table>
<thead><tr><th>部分</th><th>年度</th><th>片区</th><th>单位数</th><th>页面数</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""
    (directory / "index.html").write_text(page, encoding="utf-8")
    return parts
