"""Cold start: a fresh process asking one question, against the floor of importing the
heavy libraries in a fresh process."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
import statistics
import subprocess
import sys

from qa import Bot

from .context import REPO, Context, log, timed
from .metrics import ratio

QUESTION = "How long was the call?"
REPEATS = 3
IMPORTS = "import gradio, sentence_transformers, llama_index.core, chromadb"
# What the ask command itself needs: ONNX Runtime runs its two encoders (it imports neither
# gradio nor llama-index, nor torch, transformers or sentence-transformers).
CLI_IMPORTS = "import onnxruntime, tokenizers, chromadb, bm25s, Stemmer"
# What it imported when the encoders ran on torch (QA_RUNTIME=torch).
TORCH_IMPORTS = "import sentence_transformers, chromadb, bm25s, Stemmer"
ASK = [sys.executable, "-m", "qa", "ask", QUESTION]
# What the ask command would add by fusing through llama-index's QueryFusionRetriever.
LLAMA_IMPORT = "import llama_index.core.retrievers"
CLI_WITH_LLAMA = f"{CLI_IMPORTS}; {LLAMA_IMPORT}"


def _median_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Median wall seconds of REPEATS fresh runs after one untimed run (so every timed run
    finds the files in the OS cache), and the last run's output."""
    def once() -> str:
        return subprocess.run(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=True
        ).stdout

    once()
    runs = [timed(once) for _ in range(REPEATS)]
    return round(statistics.median(seconds for _, seconds in runs), 3), runs[-1][0].strip()


def _app(ctx: Context, floor: float) -> dict | None:
    """The web app's cold start, when `bench.app_cold_start` provides `run(ctx)` (a dict with
    `median_s`)."""
    if importlib.util.find_spec("bench.app_cold_start") is None:
        return None
    app = importlib.import_module("bench.app_cold_start").run(ctx)
    return {**app, "ratio_to_floor": ratio(app["median_s"], floor)}


def run(ctx: Context) -> dict:
    """Median seconds to an answer from a fresh process, with the hub probe as configured, with
    HF_HUB_OFFLINE=1 and with the encoders on torch (QA_RUNTIME=torch), against the import
    floors (all four libraries; the CLI's own; the CLI's on torch)."""
    persist_dir = ctx.work / "coldstart-index"
    Bot.from_articles(REPO / "seeds", persist_dir=persist_dir, embedder=ctx.embedder)
    env = {**os.environ, "QA_PERSIST_DIR": str(persist_dir)}
    log.info("cold start: %s", shlex.join(ASK[1:]))
    ask, answer = _median_run(ASK, env)
    ask_offline, _ = _median_run(ASK, {**env, "HF_HUB_OFFLINE": "1"})
    ask_torch, torch_answer = _median_run(ASK, {**env, "QA_RUNTIME": "torch"})
    floor, _ = _median_run([sys.executable, "-c", IMPORTS], env)
    cli_floor, _ = _median_run([sys.executable, "-c", CLI_IMPORTS], env)
    torch_floor, _ = _median_run([sys.executable, "-c", TORCH_IMPORTS], env)
    with_llama, _ = _median_run([sys.executable, "-c", CLI_WITH_LLAMA], env)
    return {
        "command": shlex.join(["python", *ASK[1:]]),
        "answer": answer.splitlines()[0] if answer else "",
        "ask_s": ask,
        "ask_hub_offline_s": ask_offline,
        "ask_torch_s": ask_torch,
        "torch_same_answer": torch_answer == answer,
        "import_floor_s": floor,
        "cli_import_floor_s": cli_floor,
        "torch_import_floor_s": torch_floor,
        "llama_index_import_s": round(with_llama - cli_floor, 3),
        "ratio_to_floor": ratio(ask, floor),
        "ratio_to_floor_hub_offline": ratio(ask_offline, floor),
        "ratio_to_cli_floor": ratio(ask, cli_floor),
        "ratio_onnx_to_torch": ratio(ask, ask_torch),
        "app": _app(ctx, floor),
    }
