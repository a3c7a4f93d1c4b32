"""Print the figures of benchmark results (benchmarks/results/*.json) as Markdown tables.

    python3 benchmarks/report.py benchmarks/results/district.json [more.json …]

The tables are pasted into content/benchmarks.md; the narrative there is
written by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STEP_NAMES = {
    "check": "dmsite check",
    "score": "dmsite score",
    "build": "mkdocs build（dmsite 插件）",
    "parallel": "mkdocs build（dmsite 插件，parallel_downloads）",
    "generate": "dmsite generate（生成基线页面）",
    "baseline": "mkdocs build（基线：纯 Markdown）",
    "serve": "mkdocs serve 改一行台账后重建",
}


def mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def megabytes(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.1f}"


def table(result: dict) -> str:
    lines = [
        f"**{result['scale']}**（单位 {result['data']['units']:,} 个，台账 {result['data']['rows']:,} 行，"
        f"测量值 {result['data']['measures']:,} 行）{('：' + result['label']) if result.get('label') else ''}",
    ]
    if set(result["steps"]) - {"parts"}:
        lines += ["", "| 步骤 | 中位数（秒） | 最短 | 最长 | 次数 | 峰值内存（MiB，含子进程） |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for step, figures in result["steps"].items():
        if step == "parts":
            continue
        runs = figures.get("runs", [])
        if step == "serve":
            lines.append(f"| {STEP_NAMES[step]} | {figures['median_seconds']:.2f} | {min(runs):.2f} | {max(runs):.2f} "
                         f"| {len(runs)} | — |")
            continue
        tree = figures.get("peak_tree_mib", figures.get("peak_mib"))
        lines.append(f"| {STEP_NAMES.get(step, step)} | {figures['median_seconds']:.2f} | {figures['min_seconds']:.2f} "
                     f"| {figures['max_seconds']:.2f} | {len(runs)} | {mib(figures.get('peak_mib'))}"
                     f"（{mib(tree)}） |")
    if "build_to_baseline" in result:
        lines.append("")
        lines.append(f"构建时间 / 基线时间 = **{result['build_to_baseline']}**")
    sites = [(name, result["steps"][name]["site"]) for name in ("build", "baseline")
             if name in result["steps"] and "site" in result["steps"][name]]
    if sites:
        lines += ["", "| 站点 | 文件数 | HTML 页面 | 总大小（MB） | 最大页面 | 搜索索引（MB） | 索引条目 | 扣分检索数据（MB） |",
                  "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
        for name, site in sites:
            label = "dmsite 插件" if name == "build" else "基线"
            lines.append(f"| {label} | {site['files']:,} | {site['html_pages']:,} | {megabytes(site['bytes'])} | "
                         f"{site['largest_page']}（{megabytes(site['largest_page_bytes'])} MB） | "
                         f"{megabytes(site.get('search_index_bytes'))} | {site.get('search_index_documents', '—')} | "
                         f"{megabytes(site.get('deductions_data_bytes'))} |")
    parts = result["steps"].get("parts")
    if parts:
        lines += ["", "| 部分 | 片区数 | 秒 | 峰值内存（MiB，含子进程） | HTML 页面 |", "| --- | ---: | ---: | ---: | ---: |"]
        for part in parts["parts"]:
            lines.append(f"| {part['part']} | {len(part['regions'])} | {part['seconds']:.1f} | "
                         f"{mib(part.get('peak_tree_mib', part['peak_mib']))} | {part['html_pages']:,} |")
        lines.append("")
        lines.append(f"最慢的部分 {parts['slowest_seconds']:.1f} 秒，各部分合计 {parts['sum_seconds']:.1f} 秒。")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    for path in argv:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
        print(table(result))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
