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
import os
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import Problems
from .export import score_record
from .pages.markdown import format_number
from .scoring import cuts, ledger_effect
from .revisions import run_diff
from .parts import MANIFEST, write_index
from .site import Settings, Site, load_site, read_mkdocs_settings

__all__ = ["main"]


class _ChineseHelpFormatter(argparse.HelpFormatter):
    """Help layout that measures Chinese characters as two terminal columns.

    argparse measures text with len(), so Chinese metavars push the help
    column out of line and Chinese help text overflows the terminal.
    """

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        # argparse passes prefix="" when it builds a subcommand's prog name.
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)

    def _format_action(self, action):  # type: ignore[override]
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = _width(invocation) - len(invocation)
        first, newline, rest = text.partition("\n")
        start = first.find(invocation)
        if extra and start >= 0:
            after = first[start + len(invocation):]
            help_text = after.lstrip(" ")
            padding = len(after) - len(help_text)
            if help_text and padding > extra:
                first = first[:start + len(invocation)] + " " * (padding - extra) + help_text
        return first + newline + rest

    def _split_lines(self, text, width):  # type: ignore[override]
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line = ""
            for char in paragraph:
                if _width(line + char) > width:
                    lines.append(line)
                    line = char.lstrip()
                else:
                    line += char
            lines.append(line)
        return lines


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
    parser.add_argument("-f", "--config-file", metavar="文件",
                        help="读取 dmsite 插件设置的 mkdocs.yml（默认：当前目录下的 mkdocs.yml，没有时用默认设置）")
    parser.add_argument("--year", type=int, action="append", metavar="年度",
                        help="只处理指定年度，可重复（默认：全部年度）")
    commands = parser.add_subparsers(dest="command", title="命令", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser("check", help="校验评分表、单位名册、台账和测量值，列出全部错误和解读说明")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="不列出评分表解读说明和文件编码，只输出核对结果和错误")

    score = commands.add_parser("score", help="计算并输出得分")
    score.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="输出格式：table（表格，默认）、csv 或 json")
    score.add_argument("--rubric", metavar="评分表", help="只输出指定评分表的得分")
    score.add_argument("--unit", metavar="单位编号", help="只输出指定单位的得分")

    generate = commands.add_parser("generate", help="把站点页面（Markdown）和下载文件写入目录，供其他站点生成器使用")
    generate.add_argument("directory", metavar="目录", help="输出目录；已有的同名文件会被覆盖")

    join = commands.add_parser("join", help="为分部分生成的站点写入总索引页：读取目录下各部分的 dmsite-part.json，"
                                            "写出 目录/index.html")
    join.add_argument("directory", metavar="目录", help="各部分站点所在的目录（每个子目录是一个部分）")
    join.add_argument("--title", default="年度考核结果公示", metavar="标题", help="索引页标题")

    export = commands.add_parser("export", help="把各年度的得分和台账下载文件（XLSX、CSV、JSON）写入目录")
    export.add_argument("directory", metavar="目录", help="输出目录；已有的同名文件会被覆盖")

    template = commands.add_parser("template", help="生成供审核人填写的 Excel 台账模板（带下拉列表和分值限制）")
    template.add_argument("rubric", metavar="评分表", help="评分表编号，如 jcdj-jiguan")
    template.add_argument("-o", "--output", metavar="文件",
                          help="输出的 .xlsx 文件（默认：当前目录下的 <评分表>-<年度>-台账模板.xlsx）")

    diff = commands.add_parser("diff", help="比较两个 Git 版本之间的得分变化，输出可贴到合并请求中的 Markdown 或 JSON")
    diff.add_argument("base", metavar="基准版本", help="比较的起点：分支名、标签或提交编号，如 main")
    diff.add_argument("head", metavar="新版本", nargs="?", help="比较的终点（默认：工作区中的当前文件）")
    diff.add_argument("--format", choices=("markdown", "json"), default="markdown",
                      help="输出格式：markdown（默认）或 json")

    importer = commands.add_parser("import", help="把填好的 Excel 台账模板转换为台账 CSV，按 check 的规则逐行校验")
    importer.add_argument("workbook", metavar="文件", help="填好的 .xlsx 文件")
    importer.add_argument("-o", "--output", metavar="文件",
                          help="输出的台账 CSV 文件（UTF-8）；默认输出到屏幕。文件已存在时不会覆盖，除非加 --force")
    importer.add_argument("--force", action="store_true", help="允许覆盖已存在的输出文件")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    # Redirected output on Chinese Windows is GBK, which cannot encode every
    # character a reason may hold; those are replaced instead of crashing.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader of a pipe (such as `head`) stopped early; that is not an error.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    problems = Problems()
    config_file = Path(args.config_file or "mkdocs.yml")
    if args.config_file and not config_file.is_file():
        print(f"dmsite：错误：找不到配置文件 {config_file}。请检查 -f 后面的路径。", file=sys.stderr)
        return 2
    settings = read_mkdocs_settings(config_file, problems)
    if args.year:
        settings = Settings(**{**settings.__dict__, "years": tuple(args.year)})
    if args.command == "join":
        return _join(Path(args.directory), args.title)
    if args.command == "diff":
        return run_diff(settings, problems, args.base, args.head, args.format)
    site = load_site(settings)
    site.problems.extend(problems)

    if args.command == "check":
        return _check(site, args.quiet)
    # The template and the import need only the rubrics and the unit registry.
    if args.command == "template":
        return _template(site, args.rubric, args.output)
    if args.command == "import":
        return _import(site, Path(args.workbook), args.output, args.year, args.force)
    if site.problems.errors:
        _print_errors(site)
        return 1
    if args.command == "score":
        return _score(site, args.format, args.rubric, args.unit)
    if args.command == "export":
        return _export(site, Path(args.directory))
    return _generate(site, Path(args.directory))


def _join(directory: Path, title: str) -> int:
    if not directory.is_dir():
        print(f"dmsite：错误：目录 {directory} 不存在。请先把各部分的站点放到该目录的子目录中。", file=sys.stderr)
        return 1
    parts = write_index(directory, title)
    if not parts:
        print(f"dmsite：错误：{directory} 的子目录中没有 {MANIFEST}。请先用 years 或 regions 设置分部分生成站点，"
              f"再把各部分的站点目录放到 {directory} 下。", file=sys.stderr)
        return 1
    print(f"已写入 {directory / 'index.html'}：共 {len(parts)} 个部分（{'、'.join(part.folder for part in parts)}）。")
    return 0


def _print_errors(site: Site) -> None:
    errors = sorted(site.problems.errors, key=lambda item: item.location.sort_key())
    print(f"发现 {len(errors)} 处错误：", file=sys.stderr)
    for item in errors:
        print(f"  错误 {item}", file=sys.stderr)


def _check(site: Site, quiet: bool = False) -> int:
    if not quiet:
        for data in site.project.years.values():
            readings = [(rubric, note) for rubric in data.rubrics.values() for note in rubric.notes]
            if readings:
                print(f"{data.year} 年评分表中原表不一致或含义不明之处及采用的解读（共 {len(readings)} 条）：")
            for rubric, note in readings:
                where = "全表" if note.target == "rubric" else note.target
                print(f"说明 {data.rubric_files[rubric.id]}「{where}」：{note.problem} 采用的解读：{note.reading}")
        for data in site.project.years.values():
            for path, label in sorted(data.encodings.items()):
                print(f"编码 {path}：{label}")
    for item in site.problems.notices:
        print(f"说明 {item}")

    errors = site.problems.errors
    # Row counts are shown even when there are errors: rejected rows are
    # exactly what the reviewer needs to see counted.
    for data in site.project.years.values():
        counted = sum(1 for entry in data.entries if not entry.inactive)
        withdrawn = sum(1 for entry in data.entries if entry.withdrawn)
        superseded = sum(1 for entry in data.entries if entry.superseded)
        corrected = f"，被更正 {superseded} 行" if superseded else ""
        print(f"核对 {data.year} 年：读取台账 {data.rows_read} 行，计入 {counted} 行，撤销 {withdrawn} 行{corrected}，"
              f"拒收 {data.rows_rejected} 行")
    for data, scores in site.scored:
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
    counted = sum(1 for data in years for entry in data.entries if not entry.inactive)
    withdrawn = sum(1 for data in years for entry in data.entries if entry.withdrawn)
    readings = sum(len(rubric.notes) for data in years for rubric in data.rubrics.values())
    status = f"发现 {len(errors)} 处错误" if errors else "校验通过"
    print(f"{status}：评分表 {rubric_count} 张，单位 {unit_count} 个，计入记录 {counted} 行，"
          f"撤销记录 {withdrawn} 行，解读说明 {readings} 条。")
    return 1 if errors else 0


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _score_records(site: Site, rubric: str | None, unit: str | None, with_items: bool = True
                   ) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for data, scores in site.scored:
        for unit_id in sorted(scores.by_unit):
            if unit is not None and unit_id != unit:
                continue
            for score in scores.by_unit[unit_id]:
                if rubric is not None and score.rubric.id != rubric:
                    continue
                records.append(score_record(data.year, score, with_items))
    return records


def _score(site: Site, output: str, rubric: str | None, unit: str | None) -> int:
    years = site.project.years.values()
    if unit is not None and not any(unit in data.units for data in years):
        print(f"dmsite：错误：单位名册中没有编号为「{unit}」的单位。请检查编号的大小写和位数。", file=sys.stderr)
        return 1
    if rubric is not None and not any(rubric in data.rubrics for data in years):
        known = "、".join(sorted({rubric_id for data in years for rubric_id in data.rubrics}))
        print(f"dmsite：错误：没有编号为「{rubric}」的评分表。可用的评分表：{known}", file=sys.stderr)
        return 1
    records = _score_records(site, rubric, unit, with_items=output == "json")
    if output == "json":
        # JSON is UTF-8 by definition, whatever the console's encoding.
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
        _write_bytes(text.encode("utf-8"))
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
        # UTF-8 with a BOM is what Excel and WPS need to open Chinese CSV correctly.
        _write_bytes(buffer.getvalue().encode("utf-8-sig"))
        return 0
    widths = [max(_width(cell) for cell in column) for column in zip(columns, *rows)]
    for row in [columns, *rows]:
        print("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip())
    return 0


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _width(text: str) -> int:
    # East Asian characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _generate(site: Site, directory: Path) -> int:
    if directory.exists() and not directory.is_dir():
        print(f"dmsite：错误：{directory} 已存在且不是目录。请换一个输出目录。", file=sys.stderr)
        return 1
    try:
        return _write_site(site, directory)
    except OSError as exc:
        print(f"dmsite：错误：无法写入 {directory}：{exc.strerror or exc}。请检查目录权限和磁盘空间。", file=sys.stderr)
        return 1


def _write_site(site: Site, directory: Path) -> int:
    pages = site.pages()
    for page in pages:
        target = directory / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    downloads = site.downloads()
    for year, file in downloads:
        target = directory / str(year) / "downloads" / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.content)
    counts = Counter(page.path.split("/")[1] if "/" in page.path else "" for page in pages)
    print(f"已生成 {len(pages)} 个页面到 {directory}（单位 {counts.get('units', 0)}，"
          f"评分表 {counts.get('rubrics', 0)}，排名 {counts.get('rankings', 0)}），下载文件 {len(downloads)} 个。")
    return 0


def _export(site: Site, directory: Path) -> int:
    downloads = site.downloads()
    directory.mkdir(parents=True, exist_ok=True)
    for _, file in downloads:
        (directory / file.name).write_bytes(file.content)
    names = "、".join(file.name for _, file in downloads)
    print(f"已导出 {len(downloads)} 个文件到 {directory}：{names}")
    return 0


def _warn_project_errors(site: Site) -> None:
    count = len(site.problems.errors)
    if count:
        print(f"注意：项目数据中有 {count} 处错误，运行 dmsite check 查看；评分表或单位名册有错误时，下面的结果可能不完整。",
              file=sys.stderr)


def _template(site: Site, rubric_id: str, output: str | None) -> int:
    # openpyxl is slow to import; only the workbook commands need it.
    from .excel import ledger_template

    _warn_project_errors(site)
    found = [data for data in site.project.years.values() if rubric_id in data.rubrics]
    if not found:
        known = sorted({rid for data in site.project.years.values() for rid in data.rubrics})
        print(f"dmsite：错误：找不到评分表「{rubric_id}」。可用的评分表：{'、'.join(known) or '（无）'}", file=sys.stderr)
        return 1
    data = max(found, key=lambda year_data: year_data.year)
    target = Path(output) if output else Path(f"{rubric_id}-{data.year}-台账模板.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(ledger_template(data, data.rubrics[rubric_id]))
    print(f"已生成 {data.year} 年度「{rubric_id}」的台账模板：{target}")
    return 0


def _import(site: Site, workbook: Path, output: str | None, years: list[int] | None, force: bool = False) -> int:
    from .excel import import_ledger, template_year

    if output is not None and Path(output).exists() and not force:
        # Overwriting an existing ledger would drop every row it holds.
        print(f"dmsite：错误：{output} 已存在，不会覆盖。请换一个新文件名；确需覆盖时加 --force。", file=sys.stderr)
        return 1
    if not workbook.is_file():
        print(f"dmsite：错误：找不到文件 {workbook}。请检查路径。", file=sys.stderr)
        return 1
    if workbook.suffix.lower() != ".xlsx":
        print(f"dmsite：错误：{workbook} 不是 .xlsx 文件。请导入 dmsite template 生成并填好的模板；"
              "CSV 台账直接放入 scores/<年度>/ledgers/ 即可。", file=sys.stderr)
        return 1
    _warn_project_errors(site)
    if years and len(years) > 1:
        print("dmsite：错误：import 只能指定一个年度（--year）", file=sys.stderr)
        return 2
    year = years[0] if years else template_year(workbook)
    if year is None and site.project.years:
        year = max(site.project.years)
    data = site.project.years.get(year) if year is not None else None
    if data is None:
        print(f"dmsite：错误：找不到 {year} 年度的评分表和单位名册，无法校验 {workbook}", file=sys.stderr)
        return 1
    problems = Problems()
    imported = import_ledger(workbook, workbook.name, data, problems)
    if problems.errors or imported is None:
        errors = sorted(problems.errors, key=lambda item: item.location.sort_key())
        print(f"发现 {len(errors)} 处错误：", file=sys.stderr)
        for item in errors:
            print(f"  错误 {item}", file=sys.stderr)
        return 1
    if output is None:
        sys.stdout.write(imported.csv())
        print(f"已校验 {len(imported.rows)} 行记录（{year} 年度）。", file=sys.stderr)
        return 0
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(imported.csv(), encoding="utf-8")
    print(f"已把 {len(imported.rows)} 行记录（{year} 年度）写入 {target}。放入 scores/{year}/ledgers/ 后请运行 dmsite check。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
