"""Server mode against a real Chroma server (`chroma run`) on loopback, started and stopped here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from index.store import Store, StoreError
from qa import Bot

from .conftest import ANSWER, ASK, ROOT

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """A `chroma run` process persisting to a temp folder; `url` is where it listens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (path / "server.log").open("wb")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path / "db"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA.exists():
        pytest.skip(f"the chroma command is not installed next to {sys.executable}")
    running = ChromaServer(tmp_path)
    running.start()
    yield running
    running.stop()
    running.log.close()


def test_bot_indexes_into_and_answers_from_a_chroma_server(server: ChromaServer, folder: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = Store(url=server.url)
    bot = Bot.from_articles(folder, store=store, embedder=embedder)
    assert bot.report is not None and len(bot.report.added) == 2 and bot.report.chunks_total > 0
    answer = bot.ask(ASK)
    assert answer.found and answer.value == ANSWER
    quote = answer.citations[0]
    assert quote.quote == (folder / quote.article).read_text(encoding="utf-8")[quote.start : quote.end]
    # A second client sees the same index: nothing is embedded again.
    again = Bot.from_articles(folder, store=Store(url=server.url), embedder=embedder)
    assert again.report is not None and again.report.unchanged == 2 and again.report.chunks_written == 0
    assert again.ask(ASK).value == ANSWER


def test_index_outlives_a_server_restart(server: ChromaServer, folder: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    Bot.from_articles(folder, store=Store(url=server.url), embedder=embedder)
    server.stop()
    server.start()
    bot = Bot.from_index(store=Store(url=server.url), embedder=embedder)
    assert bot.ask(ASK).found


def test_a_server_that_stops_gives_one_line_errors(server: ChromaServer, folder: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    bot = Bot.from_articles(folder, store=Store(url=server.url), embedder=embedder)
    server.stop()
    with pytest.raises(StoreError) as info:
        bot.ask("Berapa lama panggilan itu?")
    message = str(info.value)
    assert server.url in message and "chroma run" in message and "\n" not in message
    # The chat apologises with the same reason instead of failing.
    [(text, sources)] = app.reply_parts(bot, "Berapa lama panggilan itu?", [])
    assert text.startswith("Sorry, Chroma server at") and sources == ""
    assert app.ask_json(bot, "How long was the call?")["error"] == str(
        pytest.raises(StoreError, bot.ask, "How long was the call?").value
    )
    # The command line says the same in one line on stderr, with no traceback.
    done = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Berapa lama panggilan itu?", "--chroma-url", server.url],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ},
    )
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Chroma server at") and server.url in lines[0]
