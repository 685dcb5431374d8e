"""Run app.py in a subprocess on a free loopback port, for the end-to-end tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 180.0


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_seeds(folder: Path) -> Path:
    """A copy of seeds/ in `folder`, so the app never writes next to the shipped articles."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def _answers_http(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True  # any HTTP status (e.g. 401 behind auth) means the server is up
    except OSError:
        return False
    return True


@contextmanager
def running_app(work: Path, **env: str) -> Iterator[str]:
    """Start `python app.py` over a copy of the seeds in `work`, with the current environment
    plus `env`; yield its URL once it answers HTTP; stop it on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = work / "app.log"
    command = [
        sys.executable, str(ROOT / "app.py"), "--port", str(port),
        "--articles", str(copy_seeds(work / "articles")), "--persist-dir", str(work / "index"),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_http(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
