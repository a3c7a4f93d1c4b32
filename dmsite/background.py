"""Write the downloads into a temporary folder, optionally in a second process.

Writing a district's workbook (openpyxl) takes about half as long as
converting all its pages, and the two do not depend on each other. With the
plugin's `parallel_downloads` option, on systems that can fork (Linux,
macOS), a child forked after the data is scored writes the downloads while
the parent builds and converts the pages. The parent waits for it just
before MkDocs copies files into the site (`on_env`). Otherwise the parent
writes them before it builds the pages.

The child costs memory: Python objects it reads are copied from the parent
page by page (reference counts are written). benchmarks/run.py measured
both ways on a district; content/benchmarks.md has the figures.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .export import download_links, export_files

if TYPE_CHECKING:
    from .site import Site

__all__ = ["DownloadBuild"]


def _write_downloads(site: Site, folder: Path) -> None:
    for data, scores in site.scored:
        target = folder / str(data.year)
        target.mkdir(parents=True, exist_ok=True)
        for file in export_files(data, scores, site.version(data)):
            (target / file.name).write_bytes(file.content)


def _child(site: Site, folder: Path) -> None:
    try:
        _write_downloads(site, folder)
    except BaseException:  # noqa: BLE001 - reported to the parent through the exit code and stderr
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


class DownloadBuild:
    """The downloads of one build: where each will be, and the process writing them."""

    def __init__(self, site: Site, background: bool = False) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dmsite-downloads-"))
        self.process: multiprocessing.process.BaseProcess | None = None
        # (year, file name, path the file is written to)
        self.files = [(data.year, name, self.folder / str(data.year) / name)
                      for data, _ in site.scored for name, _ in download_links(data.year)]
        if background and "fork" in multiprocessing.get_all_start_methods():
            # Imported before the fork, so the child finds openpyxl loaded and does not wait on an
            # import lock that another thread (mkdocs serve runs several) held at the fork.
            import openpyxl.writer.excel  # noqa: F401

            self.process = multiprocessing.get_context("fork").Process(target=_child, args=(site, self.folder),
                                                                         daemon=True)
            # Frozen objects are left alone by the child's garbage collector, so fewer
            # of the pages it shares with this process get copied.
            gc.freeze()
            try:
                self.process.start()
            finally:
                gc.unfreeze()
        else:
            _write_downloads(site, self.folder)

    def wait(self) -> str | None:
        """Wait until every download is written; return None, or what went wrong (in Chinese)."""
        if self.process is not None:
            self.process.join()
            code = self.process.exitcode
            self.process = None
            if code != 0:
                return f"生成下载文件的子进程异常退出（退出码 {code}），详见上方的错误信息"
        missing = [str(path) for _, _, path in self.files if not path.exists()]
        if missing:
            return "下载文件没有生成：" + "、".join(missing)
        return None

    def cleanup(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
