"""Run Debian's nginx on 127.0.0.1 with the shipped server block, for tests.

The browser tests and the deployment-guide tests serve the built site with
`deploy/nginx.conf` itself, so the configuration that administrators copy is
the one under test. Only the two lines that name the machine change: the
`listen` port (80 becomes a free port on 127.0.0.1) and the `root` folder.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVER_BLOCK = REPO / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")

LISTEN = re.compile(r"^(\s*)listen\s+80(\s+default_server)?;$", re.MULTILINE)
ROOT = re.compile(r"^(\s*)root\s+/var/www/dmsite;$", re.MULTILINE)


def nginx_available() -> bool:
    return Path(NGINX).is_file() and MIME_TYPES.is_file()


def free_port() -> int:
    # NOTE: the port is free when checked; another process could take it
    # before nginx binds it, and then start() reports nginx's own error.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def world_readable_dir(prefix: str) -> Path:
    """Create a temporary folder that nginx's unprivileged workers can read.

    pytest's tmp_path lives under a 0700 folder, which the workers (user
    nobody when the tests run as root) cannot enter.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def localise(server_block: str, port: int, root: Path) -> str:
    """Point the shipped server block at 127.0.0.1:port and at root."""
    text, listens = LISTEN.subn(lambda m: f"{m.group(1)}listen 127.0.0.1:{port}{m.group(2) or ''};", server_block)
    text, roots = ROOT.subn(lambda m: f"{m.group(1)}root {root};", text)
    if (listens, roots) != (1, 1):
        raise AssertionError("deploy/nginx.conf 应有且只有一行 'listen 80 default_server;' 和一行 "
                             f"'root /var/www/dmsite;'（找到 listen {listens} 行、root {roots} 行）")
    return text


def main_config(prefix: Path, includes: list[str]) -> str:
    """Return an nginx.conf like Debian's, but with every writable path under prefix."""
    user = ""
    if os.geteuid() == 0:
        # As root, nginx's built-in default group "nobody" does not exist on Debian.
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};\n"
    temp_paths = "".join(f"    {name}_temp_path {prefix / (name + '_temp')};\n"
                         for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    include_lines = "".join(f"    include {pattern};\n" for pattern in includes)
    return (f"{user}worker_processes 1;\n"
            f"pid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            f"    include {MIME_TYPES};\n"
            "    default_type application/octet-stream;\n"
            f"    access_log {prefix / 'access.log'};\n"
            f"{temp_paths}"
            f"{include_lines}"
            "}\n")


def check_config(config: Path, prefix: Path) -> subprocess.CompletedProcess:
    """Run `nginx -t` on a main configuration file."""
    return subprocess.run([NGINX, "-t", "-q", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)],
                          capture_output=True, text=True, timeout=60)


class Nginx:
    """One nginx master process in the foreground, stopped by its own pid."""

    def __init__(self, config: Path, prefix: Path, port: int) -> None:
        self.config = config
        self.prefix = prefix
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "Nginx":
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"), "-c", str(self.config),
             "-g", "daemon off;"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read() if self.process.stdout else ""
                raise RuntimeError(f"nginx exited with status {self.process.returncode}: {output}{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on 127.0.0.1:{self.port} within {timeout} s: {self.error_log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def access_log(self) -> list[str]:
        path = self.prefix / "access.log"
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Fetch a path from this server, returning status, headers and body."""
        request = urllib.request.Request(self.base_url + path.lstrip("/"))
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_site(site_dir: Path, prefix: Path) -> Nginx:
    """Configure (not start) nginx to serve site_dir with deploy/nginx.conf."""
    port = free_port()
    server = prefix / "dmsite.conf"
    server.write_text(localise(SERVER_BLOCK.read_text(encoding="utf-8"), port, site_dir), encoding="utf-8")
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, [str(server)]), encoding="utf-8")
    return Nginx(config, prefix, port)
