"""Measure what Python-Markdown spends on dmsite's unit pages, table format by table format.

    python3 benchmarks/markdown_cost.py --scale subdistrict --pages 40

Converts the same unit pages with the extensions of mkdocs.yml, three ways:
large tables as Markdown (what `dmsite generate` writes), as HTML blocks,
and with the HTML tables lifted out before conversion and put back after
(what the MkDocs plugin does). Prints the best of `--repeat` rounds, in
milliseconds per page, and writes them to benchmarks/results/markdown-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import markdown

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import prepare, versions, machine  # noqa: E402

from dmsite.pages.tables import lift_tables, restore_tables  # noqa: E402
from dmsite.site import Settings, load_site  # noqa: E402

EXTENSIONS = ["toc", "tables", "admonition", "attr_list", "md_in_html"]
MARKER = "DMSITETABLEBENCH"


def unit_pages(project: Path, html_tables: bool, count: int) -> list[str]:
    site = load_site(Settings(project, html_tables=html_tables))
    pages = [page.markdown for page in site.pages()
             if "/units/" in page.path and not page.path.endswith("index.md")]
    return pages[:count]


def best_of(rounds: int, convert) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        convert()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="测量 Python-Markdown 转换单位页面的耗时（三种表格写法）。")
    parser.add_argument("--scale", default="subdistrict", help="数据规模（见 generate.py）")
    parser.add_argument("--pages", type=int, default=40, help="转换的单位页面数")
    parser.add_argument("--repeat", type=int, default=5, help="轮数，取最快一轮")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "dmsite-bench")
    args = parser.parse_args(argv)

    project = prepare(args.work, args.scale, 1)
    plain = unit_pages(project, False, args.pages)
    html = unit_pages(project, True, args.pages)

    def convert(texts: list[str]) -> None:
        for text in texts:
            markdown.Markdown(extensions=EXTENSIONS).convert(text)

    def convert_lifted() -> None:
        for text in html:
            lifted, tables = lift_tables(text, MARKER)
            restore_tables(markdown.Markdown(extensions=EXTENSIONS).convert(lifted), MARKER, tables)

    figures = {
        "markdown_tables_ms": best_of(args.repeat, lambda: convert(plain)) / len(plain) * 1000,
        "html_blocks_ms": best_of(args.repeat, lambda: convert(html)) / len(html) * 1000,
        "lifted_html_ms": best_of(args.repeat, convert_lifted) / len(html) * 1000,
    }
    result = {"scale": args.scale, "pages": len(plain), "repeat": args.repeat,
              "command": "python3 benchmarks/markdown_cost.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "versions": versions(), "machine": machine(),
              **{key: round(value, 1) for key, value in figures.items()}}
    out = HERE / "results" / f"markdown-{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"每个单位页面（{len(plain)} 页，{args.repeat} 轮取最快）：Markdown 表格 {result['markdown_tables_ms']} 毫秒，"
          f"HTML 块 {result['html_blocks_ms']} 毫秒，HTML 表格移出后再放回 {result['lifted_html_ms']} 毫秒。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
