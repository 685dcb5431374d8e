"""Reading: answers on questions the project did not write, through the whole product.

- IDK-MRC valid: all its paragraphs are the articles, every question asked through `Bot.ask`;
  SQuAD 2.0 F1 overall, F1 on the answerable half, and the share of unanswerable ones declined.
- FacQA: the held-out fifth of passages (never trained on) beside the four fifths the reader
  trained on, asked over the whole FacQA corpus.
- Seed paraphrases (English and Indonesian) and an English set over English articles, written
  for the benchmark before any answer was seen: accuracy and answer F1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa import Bot
from qa.reading.calibrate import corpus_bot
from qa.reading.data import DATA, facqa_held_out, idk_mrc
from qa.reading.metrics import squad2_f1, token_f1

from .context import REPO, Context, log, prediction, shown, timed, write_jsonl
from .corpus import load_seeds
from .metrics import rate, summarize

QUESTIONS = REPO / "bench" / "questions"
PARAPHRASES = QUESTIONS / "seeds_paraphrases.jsonl"
ENGLISH = QUESTIONS / "english.jsonl"
ENGLISH_ARTICLES = QUESTIONS / "english"
QUICK_IDK = 40
QUICK_SET = 8


def idk_mrc_valid(ctx: Context) -> dict | None:
    """IDK-MRC valid over all its paragraphs as one corpus; None when the data is absent."""
    if not (DATA / "idk-mrc" / "valid.json").is_file():
        log.warning("IDK-MRC not found under %s: its part is skipped", DATA)
        return None
    examples = idk_mrc("valid")
    if ctx.quick:
        examples = examples[:QUICK_IDK]
    bot = corpus_bot([e.context for e in examples], ctx.work / "idk-mrc", None, ctx.embedder)
    log.info("asking %d IDK-MRC valid questions", len(examples))
    records = []
    for ex in examples:
        answer, seconds = timed(lambda: bot.ask(ex.question))
        golds = tuple(t for t, _ in ex.answers)
        predicted = prediction(answer) if answer.found else None
        records.append({"question": ex.question, "golds": golds, "found": answer.found,
                        "prediction": predicted, "confidence": round(answer.confidence, 4),
                        "f1": round(squad2_f1(predicted, golds), 4), "seconds": round(seconds, 4)})
    path = write_jsonl(ctx.out / "reading_idk_mrc.jsonl", records)
    answerable = [r for r in records if r["golds"]]
    unanswerable = [r for r in records if not r["golds"]]
    return {
        "articles": len({e.context for e in examples}),
        "questions": len(records),
        "overall_f1": rate(r["f1"] for r in records),
        "answerable_f1": rate(r["f1"] for r in answerable),
        "answerable_answered": rate(r["found"] for r in answerable),
        "unanswerable_declined": rate(not r["found"] for r in unanswerable),
        "per_question": path,
    }


def facqa_split(ctx: Context) -> dict | None:
    """FacQA scores of held-out questions beside trained-on ones (same corpus, same bot)."""
    if ctx.facqa_items is None:
        return None
    held = {item.id for item in ctx.facqa_items if facqa_held_out(item.passage)}
    records = ctx.bot_results
    return {
        "heldout": summarize([r for r in records if r["id"] in held]),
        "trained_on": summarize([r for r in records if r["id"] not in held]),
    }


def _judged(bot: Bot, path: Path, quick: bool) -> list[dict]:
    """Ask every question of a seeds-format file; judge by accepted substrings and F1."""
    records = []
    for q in load_seeds(path)[: QUICK_SET if quick else None]:
        answer, seconds = timed(lambda: bot.ask(q.q))
        text = answer.text.lower()
        value = prediction(answer)
        records.append({
            "q": q.q, "lang": q.lang, "expected": q.answers, "found": answer.found,
            "text": answer.text, "seconds": round(seconds, 4),
            "answer_ok": (answer.found and any(s.lower() in text for s in q.answers)) if q.answers
            else not answer.found,
            "f1": (max(token_f1(value, s) for s in q.answers) if answer.found else 0.0) if q.answers
            else float(not answer.found),
            "citation_ok": q.article is None or bool(answer.citations) and answer.citations[0].article == q.article,
        })
    return records


def _groups(records: Sequence[dict]) -> dict:
    out = {}
    for lang in sorted({r["lang"] for r in records}):
        mine = [r for r in records if r["lang"] == lang]
        answerable = [r for r in mine if r["expected"]]
        out[lang] = {"questions": len(mine), "accuracy": rate(r["answer_ok"] for r in mine),
                     "answerable_accuracy": rate(r["answer_ok"] for r in answerable),
                     "answerable_f1": rate(r["f1"] for r in answerable),
                     "unanswerable_declined": rate(r["answer_ok"] for r in mine if not r["expected"]),
                     "citation_accuracy": rate(r["citation_ok"] for r in answerable)}
    return out


def seed_paraphrases(ctx: Context, bot: Bot) -> dict | None:
    if not PARAPHRASES.is_file():
        return None
    records = _judged(bot, PARAPHRASES, ctx.quick)
    return {"file": shown(PARAPHRASES), **_groups(records),
            "per_question": write_jsonl(ctx.out / "reading_paraphrases.jsonl", records)}


def english_set(ctx: Context) -> dict | None:
    if not ENGLISH.is_file():
        return None
    bot = Bot.from_articles(ENGLISH_ARTICLES, persist_dir=ctx.work / "english-index", embedder=ctx.embedder)
    records = _judged(bot, ENGLISH, ctx.quick)
    return {"file": shown(ENGLISH), "articles": len(list(ENGLISH_ARTICLES.glob("*.txt"))),
            **_groups(records), "per_question": write_jsonl(ctx.out / "reading_english.jsonl", records)}


def run(ctx: Context) -> dict:
    """Every reading benchmark; a part whose input is missing is null."""
    from .quality import seeds_bot

    bot = seeds_bot(ctx)
    return {
        "reader": bot.reader.name,
        "decision": bot.decider.fitted_on,
        "idk_mrc_valid": idk_mrc_valid(ctx),
        "facqa": facqa_split(ctx),
        "seed_paraphrases": seed_paraphrases(ctx, bot),
        "english": english_set(ctx),
    }

