"""Cold start of the web chat: seconds from starting `python app.py` to its first answer,
asked through gradio_client. Prints one JSON object.

Each timed run is a fresh process over an index that one untimed run built first (which
also warms the OS file cache), so a run measures a restart: imports, model load, an index
sync that embeds nothing, the server coming up and one answer.

    python bench/app_cold_start.py [--runs 3] [--articles seeds]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gradio_client import Client

REPO = Path(__file__).resolve().parents[1]
QUESTION = "How long was the call?"
RUNS = 3
TIMEOUT = 300.0
POLL = 0.05


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_answer(url: str, process: subprocess.Popen, log: Path, timeout: float) -> str:
    """Ask until the app answers; fail when it exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(Client(url, verbose=False).predict(QUESTION, api_name="/ask")["text"])
        except Exception as exc:  # not listening yet, or still starting up
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"app.py gave no answer ({exc}):\n{tail}") from exc
        time.sleep(POLL)


def time_to_answer(articles: Path, index: Path, log: Path, timeout: float) -> tuple[float, str]:
    """Start app.py, wait for its first answer, stop it: (seconds, the answer text)."""
    port = free_port()
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port),
               "--articles", str(articles), "--persist-dir", str(index)]
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        answer = first_answer(f"http://127.0.0.1:{port}/", process, log, timeout)
        return time.perf_counter() - started, answer
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(
    work: Path, articles: Path = REPO / "seeds", runs: int = RUNS, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """One untimed run, then the median of `runs` timed cold starts, in folder `work`."""
    work.mkdir(parents=True, exist_ok=True)
    persist_dir, log = work / "index", work / "app.log"
    warmup, _ = time_to_answer(articles, persist_dir, log, timeout)
    timed = [time_to_answer(articles, persist_dir, log, timeout) for _ in range(runs)]
    seconds = [round(s, 3) for s, _ in timed]
    return {
        "command": f"python app.py --articles {articles} --persist-dir <index>",
        "question": QUESTION,
        "answer": timed[-1][1],
        "warmup_s": round(warmup, 3),
        "runs_s": seconds,
        "median_s": round(statistics.median(seconds), 3),
    }


def run(ctx: Any) -> dict[str, Any]:
    """Entry point for `python -m bench` (its coldstart suite): measure in the run's work
    folder, with a single timed run when the run is --quick."""
    return measure(ctx.work / "app-cold-start", runs=1 if ctx.quick else RUNS)


def main(argv: list[str] | None = None) -> int:
    """Measure in a temporary folder and print the result as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS,
                        help=f"timed cold starts (default {RUNS})")
    parser.add_argument("--articles", type=Path, default=REPO / "seeds",
                        help="articles folder (default seeds)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds to wait for one start (default {TIMEOUT:.0f})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="app-cold-start-") as work:
        result = measure(Path(work), args.articles.resolve(), args.runs, args.timeout)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
