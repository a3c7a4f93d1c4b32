"""Time dmsite at scale against the plain MkDocs floor, in one command.

    python3 benchmarks/run.py --scale district --repeat 3

Steps (each a fresh process, so process start and imports are included):
`dmsite check`, `dmsite score`, `mkdocs build` of the dmsite site, and the
baseline: mkdocs-material building the same pages as plain Markdown (the
output of `dmsite generate`) with navigation.prune, the same search
settings and no dmsite plugin. Wall times are medians of `--repeat` runs;
peak memory is the maximum resident set size of the measured process
(from wait4). Optional steps: `serve` (rebuild time of `mkdocs serve`
after a one-row ledger change) and `parts` (the site split by region into
independently built parts).

Results go to benchmarks/results/<scale>.json (or --out) and a summary is
printed. Data and built sites live under --work (default: a folder in the
system temp directory), so repeated runs reuse the generated data.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import SCALES, generate  # noqa: E402

STEPS = ("check", "score", "build", "parallel", "baseline", "serve", "parts")
DEFAULT_STEPS = ("check", "score", "build", "baseline")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}

# Theme, Markdown and search settings mirror the shipped mkdocs.yml, so the
# benchmark builds what a real site would.
THEME = """\
theme:
  name: material
  language: zh
  font: false
  features:
    - navigation.tabs
    - navigation.sections
    - navigation.prune
    - navigation.top
    - search.highlight
    - content.tabs.link

markdown_extensions:
  - toc:
      permalink: false
  - tables
  - admonition
  - attr_list
  - md_in_html
"""
SEARCH = """\
  - search:
      lang: zh
      separator: '[\\s\\u200b\\-]'
"""


def dmsite_config(extra_options: str = "") -> str:
    return ("site_name: 基准测试站点\ndocs_dir: content\nsite_dir: site\n\n" + THEME + "\nplugins:\n" + SEARCH
            + "  - dmsite:\n      banner: 基准测试数据，均为虚构。\n      grades:\n        优秀: 90\n        良好: 80\n"
            "        合格: 60\n" + extra_options + "\nnav:\n  - 首页: index.md\n")


def baseline_config(year: int) -> str:
    # The same navigation as the plugin's: index pages only, every other page
    # reached by links and marked not_in_nav, as the plugin does.
    return ("site_name: 基准测试站点（纯 Markdown）\ndocs_dir: content\nsite_dir: site\n\n" + THEME
            + "\nplugins:\n" + SEARCH + f"""
nav:
  - 首页: index.md
  - {year} 年度:
      - 概览: {year}/index.md
      - 单位一览: {year}/units/index.md
      - 评分细则: {year}/rubrics/index.md
      - 排名: {year}/rankings/index.md

not_in_nav: |
  /{year}/units/*.md
  /{year}/rubrics/*.md
  /{year}/rankings/*.md
""")


def tree_memory(pid: int) -> int:
    """Memory of a process and all its descendants, in bytes (0 where /proc is unavailable).

    Proportional set sizes (Pss) are summed, so pages a forked child still
    shares with its parent are counted once, not twice as RSS would.
    """
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE).group(1)) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError, AttributeError):
            continue
    return total


def measure(command: list[str], cwd: Path, stdout: int | None = subprocess.DEVNULL) -> dict:
    """Run `command` once; return wall time and peak memory.

    `peak_mib` is the largest peak resident set of the process and of any
    child it waited for (Linux wait4), each on its own. `peak_tree_mib` is the
    largest sum over the process and its living children (the build forks one
    for the downloads), sampled every 0.1 s, so it can miss a short peak. It is
    never below `peak_mib`.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=stdout, stderr=subprocess.PIPE)
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()))
    reader.start()
    tree_peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            tree_peak[0] = max(tree_peak[0], tree_memory(process.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = b"".join(stderr_chunks).decode("utf-8", "replace")[-3000:]
        raise SystemExit(f"命令失败（退出码 {process.returncode}）：{' '.join(command)}\n{tail}")
    # Linux reports ru_maxrss in KiB.
    peak = usage.ru_maxrss * 1024
    return {"seconds": round(elapsed, 3), "peak_mib": round(peak / 2 ** 20, 1),
            "peak_tree_mib": round(max(peak, tree_peak[0]) / 2 ** 20, 1)}


def repeat(command: list[str], cwd: Path, times: int, before=None) -> dict:
    runs = []
    for _ in range(times):
        if before is not None:
            before()
        runs.append(measure(command, cwd))
    seconds = [run["seconds"] for run in runs]
    return {
        "command": " ".join(command),
        "median_seconds": round(statistics.median(seconds), 3),
        "min_seconds": min(seconds),
        "max_seconds": max(seconds),
        "peak_mib": max(run["peak_mib"] for run in runs),
        "peak_tree_mib": max(run["peak_tree_mib"] for run in runs),
        "runs": runs,
    }


def tree_size(folder: Path) -> dict:
    files = [path for path in folder.rglob("*") if path.is_file()]
    html = [path for path in files if path.suffix == ".html"]
    largest = max(html, key=lambda path: path.stat().st_size) if html else None
    return {
        "files": len(files),
        "html_pages": len(html),
        "bytes": sum(path.stat().st_size for path in files),
        "largest_page": str(largest.relative_to(folder)) if largest else None,
        "largest_page_bytes": largest.stat().st_size if largest else 0,
    }


def site_figures(site: Path) -> dict:
    figures = tree_size(site)
    index = site / "search" / "search_index.json"
    figures["search_index_bytes"] = index.stat().st_size if index.exists() else None
    if index.exists():
        figures["search_index_documents"] = len(json.loads(index.read_text(encoding="utf-8"))["docs"])
    data = sorted(site.glob("*/deductions.json"))
    figures["deductions_data_bytes"] = sum(path.stat().st_size for path in data) if data else None
    return figures


def prepare(work: Path, scale: str, seed: int) -> Path:
    """Generate the project once per scale, seed and generator version."""
    project = work / scale / "project"
    source = (HERE / "generate.py").read_bytes() + b"".join(path.read_bytes()
                                                            for path in sorted((ROOT / "rubrics").rglob("*.yml")))
    stamp = hashlib.sha256(source + f"{scale}:{seed}".encode()).hexdigest()
    stamp_file = project / ".generated"
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        shutil.rmtree(project, ignore_errors=True)
        print(f"生成 {scale} 规模数据 …", flush=True)
        counts = generate(project, SCALES[scale], seed)
        (project / "counts.json").write_text(json.dumps(counts), encoding="utf-8")
        stamp_file.write_text(stamp)
    (project / "mkdocs.yml").write_text(dmsite_config(), encoding="utf-8")
    return project


def versions() -> dict:
    names = ("mkdocs", "mkdocs-material", "jieba", "markdown", "jinja2", "pydantic", "dmsite")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        memory_kib = 0
    return {"nproc": os.cpu_count(), "memory_gib": round(memory_kib / 1024 ** 2, 1), "cpu": cpu,
            "system": platform.platform()}


def run_serve(project: Path, repeat_count: int) -> dict:
    """Start `mkdocs serve`, change one ledger row, and time each rebuild until browsers reload."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=project, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, encoding="utf-8", start_new_session=True)
    lines: list[tuple[float, str]] = []
    seen = threading.Condition()

    def follow() -> None:
        for line in process.stderr:
            with seen:
                lines.append((time.perf_counter(), line.rstrip()))
                seen.notify_all()

    threading.Thread(target=follow, daemon=True).start()

    def wait_for(text: str, after: int, timeout: float) -> tuple[float, int]:
        deadline = time.perf_counter() + timeout
        with seen:
            while True:
                for index in range(after, len(lines)):
                    if text in lines[index][1]:
                        return lines[index][0], index + 1
                left = deadline - time.perf_counter()
                if left <= 0 or process.poll() is not None:
                    tail = "\n".join(line for _, line in lines[-20:])
                    raise SystemExit(f"mkdocs serve 在 {timeout} 秒内没有输出「{text}」：\n{tail}")
                seen.wait(left)

    ledger = sorted((project / "scores").glob("*/ledgers/*.csv"))[0]
    original = ledger.read_text(encoding="utf-8")
    rebuilds: list[float] = []
    try:
        _, position = wait_for("Serving on", 0, 900)
        for attempt in range(repeat_count):
            head, first, rest = original.split("\n", 2)
            # Only the reason (事由, 5th column) changes, so the row stays valid.
            cells = first.split(",")
            cells[4] = f"{cells[4]}（修改 {attempt + 1}）"
            started = time.perf_counter()
            ledger.write_text("\n".join([head, ",".join(cells), rest]), encoding="utf-8")
            finished, position = wait_for("Reloading browsers", position, 900)
            rebuilds.append(round(finished - started, 3))
    finally:
        ledger.write_text(original, encoding="utf-8")
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return {"command": " ".join(command[2:]), "median_seconds": statistics.median(rebuilds), "runs": rebuilds}


def run_parts(project: Path, regions_per_part: int) -> dict:
    """Build the site as parts of `regions_per_part` regions each, one after another, and time each part."""
    units = (project / "scores" / "2022" / "units.csv").read_text(encoding="utf-8").splitlines()[1:]
    regions = sorted({line.rsplit(",", 1)[1] for line in units})
    groups = [regions[index:index + regions_per_part] for index in range(0, len(regions), regions_per_part)]
    parts = []
    for number, group in enumerate(groups, start=1):
        name = f"part{number:02d}"
        config = project / f"mkdocs-{name}.yml"
        options = ("      regions: [" + ", ".join(group) + "]\n")
        text = dmsite_config(options).replace("site_dir: site", f"site_dir: parts/{name}")
        config.write_text(text, encoding="utf-8")
        result = measure([sys.executable, "-m", "mkdocs", "build", "-q", "-f", config.name], project)
        figures = tree_size(project / "parts" / name)
        parts.append({"part": name, "regions": group, **result, "html_pages": figures["html_pages"],
                      "bytes": figures["bytes"]})
        print(f"  {name}：{len(group)} 个片区，{result['seconds']} 秒，{result['peak_mib']} MiB", flush=True)
    return {"regions_per_part": regions_per_part, "parts": parts,
            "slowest_seconds": max(part["seconds"] for part in parts),
            "sum_seconds": round(sum(part["seconds"] for part in parts), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dmsite 基准测试：与纯 MkDocs 构建对比计时。")
    parser.add_argument("--scale", choices=sorted(SCALES), default="subdistrict", help="数据规模")
    parser.add_argument("--repeat", type=int, default=3, help="每个步骤运行次数，取中位数（默认 3）")
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS),
                        help=f"要运行的步骤，逗号分隔，可选 {','.join(STEPS)}（默认 {','.join(DEFAULT_STEPS)}）")
    parser.add_argument("--seed", type=int, default=1, help="数据生成的随机种子")
    parser.add_argument("--regions-per-part", type=int, default=8, help="parts 步骤中每部分的片区数")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "dmsite-bench",
                        help="数据和构建结果所在目录")
    parser.add_argument("--code", type=Path,
                        help="另一份 dmsite 源码目录（含 dmsite/ 包），放在 PYTHONPATH 最前，用于比较改动前后")
    parser.add_argument("--label", default="", help="写进结果的标签，例如改动前后的说明")
    parser.add_argument("--out", type=Path, help="结果 JSON 文件（默认 benchmarks/results/<规模>.json）")
    args = parser.parse_args(argv)
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"未知的步骤：{'、'.join(unknown)}")

    if args.code is not None:
        ENV["PYTHONPATH"] = str(args.code.resolve())
    project = prepare(args.work, args.scale, args.seed)
    counts = json.loads((project / "counts.json").read_text(encoding="utf-8"))
    dmsite = [sys.executable, "-m", "dmsite"]
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q"]
    result: dict = {
        "scale": args.scale,
        "data": counts,
        "label": args.label,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": "python3 benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "code": str(args.code) if args.code else str(ROOT),
        "versions": versions(),
        "machine": machine(),
        "steps": {},
    }
    timings = result["steps"]

    def report(step: str, figures: dict) -> None:
        timings[step] = figures
        extra = (f"，峰值内存 {figures['peak_mib']} MiB（含子进程 {figures['peak_tree_mib']} MiB）"
                 if "peak_mib" in figures else "")
        print(f"{step}：中位数 {figures['median_seconds']} 秒{extra}", flush=True)

    if "check" in steps:
        report("check", repeat([*dmsite, "check"], project, args.repeat))
    if "score" in steps:
        report("score", repeat([*dmsite, "score"], project, args.repeat))
    if "build" in steps:
        site = project / "site"
        report("build", repeat(mkdocs, project, args.repeat, before=lambda: shutil.rmtree(site, ignore_errors=True)))
        timings["build"]["site"] = site_figures(site)
    if "parallel" in steps:
        # The same build with the downloads written by a second process (plugin option parallel_downloads).
        config = project / "mkdocs-parallel.yml"
        config.write_text(dmsite_config("      parallel_downloads: true\n").replace("site_dir: site", "site_dir: site-parallel"),
                          encoding="utf-8")
        site = project / "site-parallel"
        report("parallel", repeat([*mkdocs, "-f", config.name], project, args.repeat,
                                  before=lambda: shutil.rmtree(site, ignore_errors=True)))
    if "baseline" in steps:
        baseline = args.work / args.scale / "baseline"
        shutil.rmtree(baseline, ignore_errors=True)
        content = baseline / "content"
        report("generate", repeat([*dmsite, "generate", str(content)], project, 1))
        shutil.copy(project / "content" / "index.md", content / "index.md")
        (baseline / "mkdocs.yml").write_text(baseline_config(2022), encoding="utf-8")
        site = baseline / "site"
        report("baseline", repeat(mkdocs, baseline, args.repeat,
                                  before=lambda: shutil.rmtree(site, ignore_errors=True)))
        timings["baseline"]["site"] = site_figures(site)
    if "build" in timings and "baseline" in timings:
        result["build_to_baseline"] = round(timings["build"]["median_seconds"]
                                            / timings["baseline"]["median_seconds"], 3)
        print(f"构建时间 / 基线时间 = {result['build_to_baseline']}")
    if "serve" in steps:
        report("serve", run_serve(project, args.repeat))
    if "parts" in steps:
        timings["parts"] = run_parts(project, args.regions_per_part)

    out = args.out or HERE / "results" / f"{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"结果已写入 {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
