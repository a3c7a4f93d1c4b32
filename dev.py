"""Set up a local virtual environment, then serve the site or run the tests.

    python3 dev.py serve   # build the site from the shipped data and serve it on 127.0.0.1:8000
    python3 dev.py test    # run the whole test suite

Only Python 3.11+ and git are needed: the first run creates .venv/ and
installs dmsite with its dependencies from the package index into it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dmsite-installed"


def ensure_environment() -> None:
    """Create .venv and install dmsite (editable) with its test extras, once per pyproject change."""
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("创建虚拟环境 .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == pyproject:
        return
    print("安装 dmsite 及其依赖 …", flush=True)
    python = str(BIN / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_bytes(pyproject)


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("serve", "test"):
        print("用法：python3 dev.py serve | test [其他参数]", file=sys.stderr)
        return 2
    ensure_environment()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if argv[0] == "serve":
        command = [str(BIN / "mkdocs"), "serve", *argv[1:]]
    else:
        command = [str(BIN / "python"), "-m", "pytest", *argv[1:]]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
