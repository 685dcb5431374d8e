"""Quality: the seed questions (EN, ID, unanswerable) and FacQA (cite@k, answer F1)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from qa import Bot

from .context import REPO, Context, log, shown, timed, write_jsonl
from .corpus import FacQA, SeedQuestion, distinct_passages, load_seeds
from .metrics import rate, summarize

FOLLOWUPS = REPO / "bench" / "questions" / "followups.jsonl"
FACQA_EN = REPO / "bench" / "questions" / "facqa_en.jsonl"


def _seed_record(bot: Bot, seed: SeedQuestion) -> dict:
    """Ask one seed question and judge it against its expectations."""
    answer, seconds = timed(lambda: bot.ask(seed.q))
    first = answer.citations[0].article if answer.citations else None
    text = answer.text.lower()
    return {
        "q": seed.q, "lang": seed.lang, "expected": seed.answers, "article": seed.article,
        "found": answer.found, "text": answer.text, "first_cited": first,
        "seconds": round(seconds, 6),
        "answer_ok": answer.found and any(s.lower() in text for s in seed.answers or ()),
        "citation_ok": seed.article is not None and first == seed.article,
        "abstained": not answer.found,
    }


def _seed_group(records: Sequence[dict]) -> dict[str, float | int]:
    """Answer and citation accuracy of answerable seed questions."""
    cited = [r for r in records if r["article"]]
    return {
        "questions": len(records),
        "answer_accuracy": rate(r["answer_ok"] for r in records),
        "citation_accuracy": rate(r["citation_ok"] for r in cited),
    }


def seeds_bot(ctx: Context) -> Bot:
    """A bot over the shipped articles."""
    return Bot.from_articles(REPO / "seeds", persist_dir=ctx.work / "seeds-index", embedder=ctx.embedder)


def seeds_quality(ctx: Context, bot: Bot) -> dict | None:
    """Seed questions over the shipped articles, scored per language and for abstention."""
    if not ctx.seeds_path.is_file():
        log.warning("no seed questions at %s: skipped", ctx.seeds_path)
        return None
    seeds = load_seeds(ctx.seeds_path)
    records = [_seed_record(bot, s) for s in seeds]
    path = write_jsonl(ctx.out / "quality_seeds.jsonl", records)
    answerable = [r for r in records if r["expected"]]
    unanswerable = [r for r in records if not r["expected"]]
    return {
        "file": shown(ctx.seeds_path),
        **{lang: _seed_group([r for r in answerable if r["lang"] == lang])
           for lang in ("en", "id")},
        "all_answerable": _seed_group(answerable),
        "unanswerable": {
            "questions": len(unanswerable),
            "abstention_accuracy": rate(r["abstained"] for r in unanswerable),
        },
        "per_question": path,
    }


def _kind_scores(records: Sequence[dict]) -> dict[str, float]:
    """Count, cite@1, F1 and containment of one question kind."""
    return {k: v for k, v in summarize(records).items()
            if k in ("questions", "cite@1", "f1", "contains")}


def facqa_quality(ctx: Context) -> dict | None:
    """FacQA over all its passages: cite@1, cite@5, F1, containment, per question kind."""
    if ctx.facqa_items is None:
        return None
    records = ctx.bot_results
    path = write_jsonl(ctx.out / "quality_facqa.jsonl", records)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r["kind"]].append(r)
    return {
        "articles": len(distinct_passages(ctx.facqa_items)),
        "articles_skipped": len(ctx.facqa_bot.report.skipped) if ctx.facqa_bot.report else 0,
        **summarize(records),
        "gold_rows": sum(len(g.articles) > 1 for g in ctx.golds.values()),
        "found_rate": rate(r["found"] for r in records),
        "by_kind": {kind: _kind_scores(rs)
                    for kind, rs in sorted(by_kind.items(), key=lambda kv: -len(kv[1]))},
        "per_question": path,
    }


def followups_quality(bot: Bot) -> dict:
    """Multi-turn cases over the shipped articles: the follow-up needs the history."""
    cases = [json.loads(line) for line in FOLLOWUPS.open(encoding="utf-8")]
    ok = [
        any(s.lower() in a.text.lower() for s in case["answer"]) and a.found
        for case in cases
        for a in [bot.ask(case["question"], history=case["history"])]
    ]
    by_lang = {lang: rate(o for o, c in zip(ok, cases) if c["lang"] == lang) for lang in ("en", "id")}
    return {"file": shown(FOLLOWUPS), "cases": len(cases), "accuracy": rate(ok), **by_lang}


def facqa_over_seeds(ctx: Context, bot: Bot) -> dict | None:
    """FacQA questions asked over the shipped articles, which hold none of their answers: the
    share the bot rightly declines, and a few of the ones it answered anyway."""
    if ctx.facqa_items is None:
        return None
    answered = [(item.question, a.text) for item in ctx.questions for a in [bot.ask(item.question)] if a.found]
    return {
        "questions": len(ctx.questions),
        "abstention_rate": round(1 - len(answered) / max(1, len(ctx.questions)), 4),
        "answered": len(answered),
        "examples": [f"{q} -> {t}" for q, t in answered[:5]],
    }


def facqa_english_quality(ctx: Context) -> dict | None:
    """English translations of FacQA questions over the same Indonesian corpus."""
    if ctx.facqa_items is None or ctx.quick:
        return None
    # Same fields as FacQA but the passage, which the gold passage id already names.
    items = [FacQA(row["id"], row["question"], row["passage_id"], "", row["answer"])
             for row in map(json.loads, FACQA_EN.open(encoding="utf-8"))]
    records = [ctx.ask_facqa(item) for item in items]
    path = write_jsonl(ctx.out / "quality_facqa_en.jsonl", records)
    return {"file": shown(FACQA_EN), **summarize(records), "per_question": path}


def run(ctx: Context) -> dict:
    """All quality benchmarks; a part whose input is missing is null."""
    bot = seeds_bot(ctx)
    return {
        "seeds": seeds_quality(ctx, bot),
        "followups": followups_quality(bot),
        "facqa": facqa_quality(ctx),
        "facqa_over_seeds": facqa_over_seeds(ctx, bot),
        "facqa_en": facqa_english_quality(ctx),
    }
