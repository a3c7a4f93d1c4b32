"""The `dmsite` command for reviewers: check, score and generate.

Every message is Chinese. argparse's own English strings (usage, option
group titles, its error prefix) are replaced here, because reviewers read
this output on Chinese Windows machines.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import Problems
from .pages.markdown import format_number
from .scoring import RubricScore, cuts, ledger_effect
from .site import Settings, Site, load_site, read_mkdocs_settings

__all__ = ["main"]


class _ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        # argparse passes prefix="" when it builds a subcommand's prog name.
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> None:  # type: ignore[override]
        message = (message.replace("the following arguments are required", "缺少必填参数")
                   .replace("unrecognized arguments", "无法识别的参数")
                   .replace("invalid choice", "无效的选项")
                   .replace("choose from", "可选")
                   .replace("expected one argument", "需要一个值")
                   .replace("argument", "参数")
                   .replace("invalid int value", "不是有效的整数"))
        self.print_usage(sys.stderr)
        self.exit(2, f"dmsite：错误：{message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dmsite", description="东明路街道年度考核评分：校验台账、计算得分、生成站点页面。")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml", metavar="文件",
                        help="读取 dmsite 插件设置的 mkdocs.yml（默认：当前目录下的 mkdocs.yml）")
    parser.add_argument("--year", type=int, action="append", metavar="年度",
                        help="只处理指定年度，可重复（默认：全部年度）")
    commands = parser.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=_Parser)
    commands.required = True

    commands.add_parser("check", help="校验评分表、单位名册、台账和测量值，列出全部错误和解读说明")

    score = commands.add_parser("score", help="计算并输出得分")
    score.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="输出格式：table（表格，默认）、csv 或 json")
    score.add_argument("--rubric", metavar="评分表", help="只输出指定评分表的得分")
    score.add_argument("--unit", metavar="单位编号", help="只输出指定单位的得分")

    generate = commands.add_parser("generate", help="把站点页面（Markdown）写入目录，供其他站点生成器使用")
    generate.add_argument("directory", metavar="目录", help="输出目录；已有的同名文件会被覆盖")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    problems = Problems()
    settings = read_mkdocs_settings(Path(args.config_file), problems)
    if args.year:
        settings = Settings(**{**settings.__dict__, "years": tuple(args.year)})
    site = load_site(settings)
    site.problems.extend(problems)

    if args.command == "check":
        return _check(site)
    if site.problems.errors:
        _print_errors(site)
        return 1
    if args.command == "score":
        return _score(site, args.format, args.rubric, args.unit)
    return _generate(site, Path(args.directory))


def _print_errors(site: Site) -> None:
    errors = sorted(site.problems.errors, key=lambda item: item.location.sort_key())
    print(f"发现 {len(errors)} 处错误：", file=sys.stderr)
    for item in errors:
        print(f"  错误 {item}", file=sys.stderr)


def _check(site: Site) -> int:
    notices = site.problems.notices
    for data in site.project.years.values():
        for rubric in data.rubrics.values():
            for note in rubric.notes:
                where = "全表" if note.target == "rubric" else note.target
                print(f"说明 {data.rubric_files[rubric.id]}「{where}」：{note.problem} 采用的解读：{note.reading}")
    for item in notices:
        print(f"说明 {item}")

    for data in site.project.years.values():
        for path, label in sorted(data.encodings.items()):
            print(f"编码 {path}：{label}")

    errors = site.problems.errors
    for data, scores in site.scored:
        counted = sum(1 for entry in data.entries if not entry.withdrawn)
        withdrawn = sum(1 for entry in data.entries if entry.withdrawn)
        print(f"核对 {data.year} 年：读取台账 {data.rows_read} 行，计入 {counted} 行，撤销 {withdrawn} 行，"
              f"拒收 {data.rows_rejected} 行")
        for rubric_id, rubric_scores in scores.by_rubric.items():
            effects = [ledger_effect(score) for score in rubric_scores]
            deducted = sum((effect[0] for effect in effects), Decimal(0))
            awarded = sum((effect[1] for effect in effects), Decimal(0))
            print(f"核对 {data.year} 年 {rubric_id}：{len(rubric_scores)} 个单位，计入扣分 {_n(deducted)} 分，"
                  f"计入加分 {_n(awarded)} 分")
            for score in rubric_scores:
                for cut in cuts(score):
                    print(f"截去 {data.year} 年 {cut.unit} {cut.rubric} 条目 {cut.item}：超出的 {_n(cut.points)} 分不计"
                          f"（{cut.cause}）")
    if errors:
        _print_errors(site)

    years = site.project.years.values()
    rubric_count = sum(len(data.rubrics) for data in years)
    unit_count = sum(len(data.units) for data in years)
    counted = sum(1 for data in years for entry in data.entries if not entry.withdrawn)
    withdrawn = sum(1 for data in years for entry in data.entries if entry.withdrawn)
    readings = sum(len(rubric.notes) for data in years for rubric in data.rubrics.values())
    status = f"发现 {len(errors)} 处错误" if errors else "校验通过"
    print(f"{status}：评分表 {rubric_count} 张，单位 {unit_count} 个，计入记录 {counted} 行，"
          f"撤销记录 {withdrawn} 行，解读说明 {readings} 条。")
    return 1 if errors else 0


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _score_records(site: Site, rubric: str | None, unit: str | None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for data, scores in site.scored:
        for unit_id in sorted(scores.by_unit):
            if unit is not None and unit_id != unit:
                continue
            for score in scores.by_unit[unit_id]:
                if rubric is not None and score.rubric.id != rubric:
                    continue
                records.append(_score_record(data.year, score))
    return records


def _score_record(year: int, score: RubricScore) -> dict[str, Any]:
    items = []
    for item_score in score.items.values():
        items.append({
            "code": item_score.item.code,
            "max": _json_number(item_score.max),
            "score": _json_number(item_score.score),
            "applicable": item_score.applicable,
            "entries": [
                {"source": c.entry.source, "points": _json_number(c.entry.points),
                 "counted": _json_number(c.counted), "reason": c.entry.reason, "evidence": c.entry.evidence,
                 "reviewer": c.entry.reviewer, "date": c.entry.date.isoformat() if c.entry.date else None,
                 "withdrawn": c.entry.withdrawn, "rule": c.rule.id if c.rule else None}
                for c in item_score.entries
            ],
        })
    return {
        "year": year,
        "unit": score.unit.id,
        "unit_name": score.unit.name,
        "unit_type": score.unit.type,
        "rubric": score.rubric.id,
        "system": score.rubric.system,
        "total": _json_number(score.total),
        "max": _json_number(score.max_total),
        "rank": score.rank,
        "rank_of": score.rank_of,
        "grade": score.grade,
        "flags": [{"kind": flag.kind, "item": flag.item, "cause": flag.cause} for flag in score.flags],
        "items": items,
    }


def _json_number(value: Decimal | None) -> str | None:
    # Decimals are written as strings so that no float artefact can appear.
    return None if value is None else format(value.normalize(), "f")


def _score(site: Site, output: str, rubric: str | None, unit: str | None) -> int:
    records = _score_records(site, rubric, unit)
    if output == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    columns = ["年度", "单位编号", "单位", "类型", "评分表", "体系", "得分", "满分", "排名", "等次", "标记"]
    rows = [[str(r["year"]), r["unit"], r["unit_name"], r["unit_type"], r["rubric"], r["system"],
             format_number(Decimal(r["total"]), site.settings.precision), r["max"],
             f"{r['rank']}/{r['rank_of']}", r["grade"] or "", "不列入优秀" if r["flags"] else ""]
            for r in records]
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
        return 0
    widths = [max(_width(cell) for cell in column) for column in zip(columns, *rows)]
    for row in [columns, *rows]:
        print("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip())
    return 0


def _width(text: str) -> int:
    # East Asian characters take two columns in a terminal.
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _generate(site: Site, directory: Path) -> int:
    pages = site.pages()
    for page in pages:
        target = directory / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    counts = Counter(page.path.split("/")[1] if "/" in page.path else "" for page in pages)
    print(f"已生成 {len(pages)} 个页面到 {directory}（单位 {counts.get('units', 0)}，"
          f"评分表 {counts.get('rubrics', 0)}，排名 {counts.get('rankings', 0)}）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
