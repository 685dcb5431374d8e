"""Cold start: a fresh process asking one question, against the floor of importing the
heavy libraries in a fresh process."""

from __future__ import annotations

import importlib
import importlib.util
import os
import statistics
import subprocess
import sys

from qa import Bot

from .context import REPO, Context, log, timed
from .metrics import ratio

QUESTION = "How long was the call?"
REPEATS = 3
IMPORTS = "import gradio, sentence_transformers, llama_index.core, chromadb"
# Used while `python -m qa ask` does not exist: the same work through the Python API.
API_ASK = "import sys; from qa import Bot; print(Bot.from_index().ask(sys.argv[1]).text)"


def _ask_command() -> list[str]:
    """The CLI when the package has one, else the Python API in a one-liner."""
    if (REPO / "qa" / "__main__.py").is_file():
        return [sys.executable, "-m", "qa", "ask", QUESTION]
    return [sys.executable, "-c", API_ASK, QUESTION]


def _median_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Median wall seconds of REPEATS fresh runs after one untimed run (so every timed run
    finds the files in the OS cache), and the last run's output."""
    def once() -> str:
        return subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout

    once()
    runs = [timed(once) for _ in range(REPEATS)]
    return round(statistics.median(seconds for _, seconds in runs), 3), runs[-1][0].strip()


def _app(ctx: Context) -> dict | None:
    """The web app's cold start, when `bench.app_cold_start` provides `run(ctx)`."""
    if importlib.util.find_spec("bench.app_cold_start") is None:
        return None
    return importlib.import_module("bench.app_cold_start").run(ctx)


def run(ctx: Context) -> dict:
    """Median seconds to an answer from a fresh process, with the hub probe as configured and
    with HF_HUB_OFFLINE=1, against the import floor."""
    persist_dir = ctx.work / "coldstart-index"
    Bot.from_articles(REPO / "seeds", persist_dir=persist_dir, embedder=ctx.embedder)
    env = {**os.environ, "QA_PERSIST_DIR": str(persist_dir)}
    command = _ask_command()
    log.info("cold start: %s", " ".join(command[1:]))
    ask, answer = _median_run(command, env)
    ask_offline, _ = _median_run(command, {**env, "HF_HUB_OFFLINE": "1"})
    floor, _ = _median_run([sys.executable, "-c", IMPORTS], env)
    return {
        "command": " ".join(["python", *command[1:]]),
        "answer": answer.splitlines()[0] if answer else "",
        "ask_s": ask,
        "ask_hub_offline_s": ask_offline,
        "import_floor_s": floor,
        "ratio_to_floor": ratio(ask, floor),
        "ratio_to_floor_hub_offline": ratio(ask_offline, floor),
        "app": _app(ctx),
    }
