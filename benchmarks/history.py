"""Time the Git-backed review features at scale: score history, row provenance and `dmsite diff`.

    python3 benchmarks/history.py --scale subdistrict --commits 20

Generates a project (benchmarks/generate.py), makes it a Git repository and
adds `--commits` commits, each withdrawing (撤销) one more ledger row of the
largest ledger, as a pull request would. Then it times, in this process:

- `walk_history` over every commit with empty caches (cold: one load and
  score per commit), and again with only the cache folder filled (warm: what
  a later build or a restarted `mkdocs serve` pays);
- `row_commits` (one `git blame` per ledger file, mapped to every row);
- `dmsite diff HEAD~1 HEAD` as a fresh process.

Results go to benchmarks/results/history-<scale>.json and are printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import SCALES, generate  # noqa: E402

from dmsite import history  # noqa: E402
from dmsite.gitdata import GitRepo  # noqa: E402
from dmsite.load.dataset import load_project  # noqa: E402
from dmsite.pages.build import SiteOptions  # noqa: E402
from dmsite.provenance import row_commits  # noqa: E402

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "基准", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "基准", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def git(root: Path, *args: str, date: str = "2023-01-05T10:00:00+08:00") -> None:
    env = {**GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_repository(root: Path, scale: str, commits: int) -> Path:
    """Generate the project, commit it, then commit one withdrawal per commit."""
    generate(root, SCALES[scale], 1)
    (root / "mkdocs.yml").write_text("site_name: 基准\nplugins:\n  - dmsite\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "初始数据")
    ledger = max((root / "scores").glob("*/ledgers/*.csv"), key=lambda path: path.stat().st_size)
    rows = list(csv.reader(io.StringIO(ledger.read_text(encoding="utf-8"))))
    status = rows[0].index("状态")
    active = [number for number in range(1, len(rows)) if rows[number][status] != "撤销"]
    for number in active[:commits]:
        rows[number][status] = "撤销"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        ledger.write_text(buffer.getvalue(), encoding="utf-8")
        git(root, "commit", "-q", "-am", f"撤销第 {number + 1} 行", date=f"2023-01-{5 + number % 20:02d}T10:00:00+08:00")
    return root


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="测量得分变更记录、记录来源和 dmsite diff 的耗时。")
    parser.add_argument("--scale", choices=sorted(SCALES), default="tiny", help="数据规模（默认 tiny）")
    parser.add_argument("--commits", type=int, default=20, help="生成的数据提交次数（默认 20）")
    parser.add_argument("--out", help="结果文件（默认 benchmarks/results/history-<规模>.json）")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dmsite-bench-history-") as folder:
        root = make_repository(Path(folder) / "project", args.scale, args.commits)
        os.environ["DMSITE_CACHE_DIR"] = str(Path(folder) / "cache")
        repo = GitRepo.find(root)
        assert repo is not None
        depth = args.commits + 1

        history._cache.clear()
        cold, cold_seconds = timed(history.walk_history, repo, "rubrics", "scores", (), SiteOptions(), depth)
        history._cache.clear()
        _, warm_seconds = timed(history.walk_history, repo, "rubrics", "scores", (), SiteOptions(), depth)

        project = load_project(root)
        entries = [entry for data in project.years.values() for entry in data.entries]
        rows, blame_seconds = timed(row_commits, repo, entries)

        start = time.perf_counter()
        diff = subprocess.run([sys.executable, "-m", "dmsite", "diff", "HEAD~1", "HEAD"], cwd=root,
                              capture_output=True, text=True)
        diff_seconds = time.perf_counter() - start
        assert diff.returncode == 0, diff.stderr

    walked = len({event.commit.hash for event in cold.events if event.commit})
    result = {
        "scale": args.scale,
        "units": SCALES[args.scale].units,
        "ledger_rows": len(entries),
        "commits": walked,
        "history_cold_seconds": round(cold_seconds, 2),
        "history_cold_seconds_per_commit": round(cold_seconds / walked, 3),
        "history_warm_seconds": round(warm_seconds, 2),
        "blame_seconds": round(blame_seconds, 2),
        "rows_attributed": len(rows),
        "diff_seconds": round(diff_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    out = Path(args.out) if args.out else HERE / "results" / f"history-{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
