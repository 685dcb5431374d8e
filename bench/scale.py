"""Scale: synthetic corpora of growing chunk counts; build time, time until the bot is ready
(after the build, and on a restart over the built index), index size, peak memory and query
latency for each, and how they grow per 10x.

Each size is built and queried in a fresh worker process (`python -m bench.scale FOLDER
INDEX QUESTIONS`), so its peak resident memory is its own."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from index.embedder import load_embedder
from qa import Bot

from .context import REPO, Context, log, timed
from .corpus import sample, write_synthetic
from .metrics import rate, ratio, seconds_summary

QUESTIONS = 100
QUICK_SIZES = (100, 1000)
QUICK_QUESTIONS = 10
WARMUP = 5


def disk_usage(path: Path) -> int:
    """Bytes allocated under `path`, as `du` counts them."""
    return sum(
        os.lstat(Path(root) / name).st_blocks * 512
        for root, _, files in os.walk(path)
        for name in files
    )


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker(folder: Path, persist_dir: Path, questions: list[str]) -> dict:
    """Build a bot over `folder`, ask `questions` (after a few untimed ones), and report times
    and peak memory: after loading the model, and at the end."""
    embedder, load = timed(load_embedder)
    name = Path(embedder.name).name  # a local folder by its name, not its path
    loaded_rss = _peak_rss_mb()
    bot, ready = timed(
        lambda: Bot.from_articles(folder, persist_dir=persist_dir, embedder=embedder)
    )
    for question in questions[:WARMUP]:
        bot.ask(question)
    asked = [timed(lambda: bot.ask(q)) for q in questions]
    # A restart over the index just built: the saved BM25 index is loaded, not rebuilt.
    again, restart = timed(lambda: Bot.from_index(persist_dir, embedder=embedder))
    return {
        "embedding": name,
        "restart_ready_s": round(restart, 3),
        "restart_bm25_from": "saved copy" if again.retriever.loaded_from != "chroma" else "chroma",
        "embedder_load_s": round(load, 3),
        "build_s": round(bot.report.seconds, 3),
        "bot_ready_s": round(ready - bot.report.seconds, 3),
        "chunks_per_s": round(bot.report.chunks_written / bot.report.seconds, 1),
        **seconds_summary([seconds for _, seconds in asked]),
        "found_rate": rate(answer.found for answer, _ in asked),
        "peak_rss_after_load_mb": loaded_rss,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _measure(ctx: Context, size: int, questions: Path) -> dict:
    """Write a corpus of about `size` chunks and measure it in a worker process."""
    base = ctx.work / f"scale-{size}"
    (articles, chunks), seconds = timed(
        lambda: write_synthetic(ctx.facqa_items or [], base / "articles", size)
    )
    log.info("scale %d: %d articles, %d chunks written in %.1f s; building",
             size, articles, chunks, seconds)
    env = {**os.environ, **({"QA_EMBED_MODEL": ctx.scale_model} if ctx.scale_model else {})}
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale",
         str(base / "articles"), str(base / "index"), str(questions)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, check=True, env=env,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"target_chunks": size, "articles": articles, "chunks": chunks,
            "index_mb": round(disk_usage(base / "index") / 2**20, 1), **result}


def _growth(sizes: list[dict]) -> dict[str, dict[str, float | None]]:
    """Ratios of each measure between consecutive sizes (per 10x when the sizes step by 10)."""
    keys = ("chunks", "build_s", "bot_ready_s", "restart_ready_s", "index_mb", "peak_rss_mb", "p50_s", "p95_s")
    return {
        f"{big['target_chunks']}/{small['target_chunks']}":
            {k: ratio(big[k], small[k]) for k in keys}
        for small, big in zip(sizes, sizes[1:])
    }


def run(ctx: Context) -> dict:
    """Every size of `ctx.scale_sizes` (tiny ones when quick), smallest first."""
    if ctx.facqa_items is None:
        return ctx.skipped()
    questions = ctx.work / "scale-questions.json"
    count = min(ctx.limit or QUESTIONS, QUICK_QUESTIONS if ctx.quick else QUESTIONS)
    questions.write_text(json.dumps([item.question for item in sample(ctx.facqa_items, count)]))
    chosen = sorted(QUICK_SIZES if ctx.quick else ctx.scale_sizes)
    sizes = [_measure(ctx, size, questions) for size in chosen]
    return {"questions": count, "sizes": sizes, "growth": _growth(sizes)}


if __name__ == "__main__":
    folder_arg, index_arg, questions_arg = sys.argv[1:4]
    report = worker(Path(folder_arg), Path(index_arg), json.loads(Path(questions_arg).read_text()))
    print(json.dumps(report))
