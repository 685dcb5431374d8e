"""Latency: warm `bot.ask` over FacQA questions, with the median of each pipeline stage."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from functools import partial

from qa import Bot

from .context import Context, log, timed
from .corpus import FacQA, sample
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
    fusion = fusion_comparison(bot, questions)
    total = sum(medians.values()) or 1.0
    return {
        "questions": len(questions),
        "chunks": bot.store.count(),
        **seconds_summary(walls),
        "stages_p50_s": medians,
        "stages_share": {name: round(value / total, 3) for name, value in medians.items()},
        "slowest_stage": max(medians, key=medians.__getitem__),
        "fusion": fusion,
    }


def fusion_comparison(bot: Bot, questions: Sequence[FacQA], k: int = 5) -> dict:
    """The bot's own relative-score fusion (`bot.as_retriever`) against llama-index's
    QueryFusionRetriever (relative_score, the bot's weights, one query, no LLM call) over the
    bot's two sides (`bot.as_retrievers`): how often their top `k` agree, the question's own
    passage first for each, and the median time of a retrieval through each (the llama-index
    one includes the two adapters: the question parsed and the chunks fetched once per side)."""
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever

    dense, bm25 = bot.as_retrievers()
    llama = QueryFusionRetriever([dense, bm25], mode="relative_score", num_queries=1, use_async=False,
                                 retriever_weights=[bot.retriever.dense_weight, 1.0],
                                 similarity_top_k=k, llm=MockLLM())
    runs = {"bot": bot.as_retriever(k=k), "llama_index": llama}
    same = 0
    first = dict.fromkeys(runs, 0)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for i, item in enumerate(questions):
        order = list(runs)[:: -1 if i % 2 else 1]  # each first every other time: neither warms the other
        ids = {}
        for name in order:
            nodes, seconds = timed(partial(runs[name].retrieve, item.question))
            times[name].append(seconds)
            ids[name] = [x.node.node_id for x in nodes]
            first[name] += bool(nodes) and nodes[0].node.metadata["article"] == item.article
        same += ids["bot"] == ids["llama_index"]
    count = len(questions) or 1
    return {"questions": len(questions), "k": k, "same_top_k": round(same / count, 4),
            "gold_first_bot": round(first["bot"] / count, 4),
            "gold_first_llama_index": round(first["llama_index"] / count, 4),
            **{f"p50_{name}_s": round(statistics.median(v), 6) for name, v in times.items() if v}}
