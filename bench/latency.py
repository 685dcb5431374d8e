"""Latency: warm `bot.ask` over FacQA questions, with the median of each pipeline stage."""

from __future__ import annotations

import statistics

from .context import Context, log, timed
from .corpus import sample
from .metrics import seconds_summary

QUESTIONS = 300
WARMUP = 10
STAGES = ("embed", "dense", "bm25", "fusion", "answer")


def run(ctx: Context) -> dict:
    """p50/p95 of warm asks and the median seconds per stage; "other" is what `total` holds
    beyond the named stages (question parsing)."""
    if ctx.facqa_items is None:
        return ctx.skipped()
    bot = ctx.facqa_bot
    questions = sample(ctx.questions, QUESTIONS)
    for item in questions[:WARMUP]:
        bot.ask(item.question)
    log.info("timing %d warm asks", len(questions))
    walls: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in (*STAGES, "other")}
    for item in questions:
        walls.append(timed(lambda: bot.ask(item.question))[1])
        timings = bot.timings
        for name in STAGES:
            stages[name].append(timings.get(name, 0.0))
        stages["other"].append(timings["total"] - sum(timings.get(name, 0.0) for name in STAGES))
    medians = {name: round(statistics.median(values), 6) for name, values in stages.items()}
    total = sum(medians.values()) or 1.0
    return {
        "questions": len(questions),
        "chunks": bot.store.count(),
        **seconds_summary(walls),
        "stages_p50_s": medians,
        "stages_share": {name: round(value / total, 3) for name, value in medians.items()},
        "slowest_stage": max(medians, key=medians.__getitem__),
    }
