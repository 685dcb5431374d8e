"""LLM answers: with an OpenAI-compatible endpoint set in QA_LLM_URL (and QA_LLM_MODEL), the
seed questions, their paraphrases and two overview questions are asked of the LLM over the
shipped articles. Reported: how often the LLM's answer was kept (the rest fell back to the
reader), the share of its quotes found word for word, sentences left out, and seed answer
accuracy beside the reader's. Without an endpoint the suite says it skipped and why."""

from __future__ import annotations

from collections.abc import Sequence

from qa import Answer, Bot, LLMConfig

from .context import REPO, Context, log, write_jsonl
from .corpus import load_seeds
from .metrics import rate
from .quality import seeds_bot

PARAPHRASES = REPO / "bench" / "questions" / "seeds_paraphrases.jsonl"
OVERVIEWS = ("Summarise the articles", "Why is China important to Russia's economy?",
             "Ringkas isi artikel-artikel ini")


def _record(question: str, expected: Sequence[str] | None, answer: Answer) -> dict:
    text = answer.text.lower()
    return {"q": question, "expected": list(expected or ()), "text": answer.text, "found": answer.found,
            "answerer": answer.answerer, "quotes_checked": answer.quotes_checked,
            "quotes_verified": answer.quotes_verified, "notice": answer.notice,
            "left_out": answer.left_out,
            "answer_ok": bool(expected) and answer.found and any(s.lower() in text for s in expected or ())}


def _summary(records: Sequence[dict]) -> dict:
    checked = sum(r["quotes_checked"] for r in records)
    return {
        "questions": len(records),
        "llm_answered": rate(r["answerer"] == "llm" for r in records),
        "quotes_checked": checked,
        "quotes_verified": round(sum(r["quotes_verified"] for r in records) / checked, 4) if checked else None,
        "answers_with_sentences_left_out": rate(r["left_out"] > 0 for r in records),
        "answer_accuracy": rate(r["answer_ok"] for r in records if r["expected"]),
    }


def run(ctx: Context) -> dict:
    config = LLMConfig.from_env()
    if config is None:
        reason = ("no LLM endpoint: set QA_LLM_URL (and QA_LLM_MODEL) to an OpenAI-compatible server, "
                  "e.g. Ollama at http://localhost:11434/v1")
        log.warning("llm suite skipped: %s", reason)
        return {"skipped": reason}
    bot = seeds_bot(ctx)
    bot = Bot(bot.store, bot.embedder, reader=bot.reader, llm=config)
    seeds = [s for s in load_seeds(ctx.seeds_path) if s.answers]
    paraphrases = [s for s in load_seeds(PARAPHRASES) if s.answers]
    if ctx.quick:
        seeds, paraphrases = seeds[:3], paraphrases[:3]
    groups = {}
    for name, items in (("seeds", [(s.q, s.answers) for s in seeds]),
                        ("paraphrases", [(s.q, s.answers) for s in paraphrases]),
                        ("overviews", [(q, None) for q in OVERVIEWS])):
        records = []
        for q, expected in items:
            llm, reader = bot.ask(q), bot.ask(q, llm=False)
            records.append({**_record(q, expected, llm), "reader_text": reader.text,
                            "reader_ok": _record(q, expected, reader)["answer_ok"]})
        groups[name] = {**_summary(records), "reader_answer_accuracy": rate(r["reader_ok"] for r in records
                                                                            if r["expected"]),
                        "per_question": write_jsonl(ctx.out / f"llm_{name}.jsonl", records)}
    return {"endpoint": bot.llm.name if bot.llm else "", **groups}
