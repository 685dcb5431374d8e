"""BENCHMARKS.md from a run: machine facts, then one table per suite."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .coldstart import CLI_IMPORTS, IMPORTS, LLAMA_IMPORT, TORCH_IMPORTS
from .context import Context

PACKAGES = ("torch", "sentence-transformers", "chromadb", "llama-index-core", "gradio", "bm25s")
SCORES = ("cite@1", "cite@5", "f1", "contains", "p50_s", "p95_s")
SCORE_HEADER = ("cite@1", "cite@5", "answer F1", "containment", "p50 ms", "p95 ms")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A markdown table; the first column left-aligned, the others right-aligned."""
    align = "|" + "|".join([":--", *["--:"] * (len(header) - 1)]) + "|"
    lines = ["| " + " | ".join(header) + " |", align]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _para(*parts: str) -> list[str]:
    """A paragraph from pieces of text, and the blank line after it."""
    return ["".join(parts), ""]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _scores(label: str, s: dict) -> tuple:
    """A FacQA row: cite@1, cite@5, F1, containment, p50 and p95."""
    return (label, _pct(s["cite@1"]), _pct(s["cite@5"]), f"{s['f1']:.3f}", _pct(s["contains"]),
            _ms(s["p50_s"]), _ms(s["p95_s"]))


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    """CPU count and model."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        model = names[0] if names else model
    return f"{os.cpu_count()} × {model}"


def _machine(ctx: Context, command: str) -> list[str]:
    embedder = ctx.embedder
    mode = embedder.mode + (f" ({embedder.reason})" if embedder.reason else "")
    rows = [
        ("CPU", _cpu()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        *((name, _package(name)) for name in PACKAGES),
        ("Embedding", f"`{embedder.name}`, mode {mode}"),
        ("Command", f"`{command}`"),
        ("Date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return ["## Machine and run", "", *_table(("", ""), rows)]


def _seeds(seeds: dict | None) -> list[str]:
    if not seeds:
        return _para("_Seed questions skipped: no questions file._")
    groups = (("en", "English"), ("id", "Indonesian"), ("all_answerable", "All answerable"))
    rows = [(label, seeds[key]["questions"], _pct(seeds[key]["answer_accuracy"]),
             _pct(seeds[key]["citation_accuracy"]), "–") for key, label in groups]
    unanswerable = seeds["unanswerable"]
    rows.append(("Unanswerable", unanswerable["questions"], "–", "–",
                 _pct(unanswerable["abstention_accuracy"])))
    return _para(
        f"Seed questions (`{seeds['file']}`) over `seeds/`. Answer accuracy: an expected ",
        "substring is in the answer and it was found; citation accuracy: the first citation is ",
        "the expected article; abstention: an unanswerable question gets found=False.",
    ) + _table(("Questions", "n", "answer accuracy", "citation accuracy", "abstention"), rows)


def _facqa(facqa: dict | None) -> list[str]:
    if not facqa:
        return _para("_FacQA skipped: file not found._")
    lines = _para(
        f"FacQA: {facqa['questions']} questions over a corpus of {facqa['articles']} articles ",
        f"(one per passage; the indexer rejected {facqa['articles_skipped']}). cite@k: the gold ",
        "passage is among the first k cited articles. F1 and containment compare the short ",
        "answer (the cited sentence when no value was extracted; nothing when the bot ",
        f"abstained) with the gold span. The bot answered {_pct(facqa['found_rate'])} of them.",
    )
    lines += _table(("", *SCORE_HEADER), [_scores("Bot", facqa)])
    if "cite@1 row" in facqa:
        lines += _para(
            f"A question's gold passages: FacQA asks {facqa.get('gold_rows', 0)} of its questions of ",
            "more than one passage (the same question, a row per passage, or a passage repeated ",
            "with only its spacing changed), and any of them is a gold passage; F1 and ",
            "containment take the best of the question's gold spans. Counting only the passage ",
            f"of each question's own row, cite@1 is {_pct(facqa['cite@1 row'])}.",
        )
    lines += _para("By the kind of value the bot answered with:")
    lines += _table(
        ("Kind", "questions", "cite@1", "answer F1", "containment"),
        [(kind, k["questions"], _pct(k["cite@1"]), f"{k['f1']:.3f}", _pct(k["contains"]))
         for kind, k in facqa["by_kind"].items()],
    )
    return lines + _para(f"Per-question results: `{facqa['per_question']}` (not committed).")


def _followups(followups: dict) -> list[str]:
    return _para(
        f"Follow-ups (`{followups['file']}`): {followups['cases']} two-turn cases whose second ",
        "question needs the first (pronouns, \"that meeting\", elliptical \"and Xi?\"); correct ",
        f"when an expected substring is in the answer. Accuracy {_pct(followups['accuracy'])} ",
        f"(English {_pct(followups['en'])}, Indonesian {_pct(followups['id'])}).",
    )


def _facqa_en(english: dict | None) -> list[str]:
    if not english:
        return []
    lines = _para(
        f"English development set (`{english['file']}`): {english['questions']} FacQA questions ",
        "translated to English, asked over the same Indonesian corpus.",
    )
    return lines + _table(("", *SCORE_HEADER), [_scores("Bot, English questions", english)])


def _over_seeds(over: dict | None) -> list[str]:
    if not over:
        return []
    lines = _para(
        f"Out-of-scope questions: the {over['questions']} FacQA questions asked over `seeds/`, ",
        "which hold none of their answers. The bot declined ",
        f"{_pct(over['abstention_rate'])} of them and answered {over['answered']}, for example:",
    )
    return lines + [f"- {example}" for example in over["examples"]] + [""]


def _quality(r: dict) -> list[str]:
    return ["## Quality", "", *_seeds(r["seeds"]), *_facqa(r["facqa"]), *_over_seeds(r.get("facqa_over_seeds")),
            *_facqa_en(r.get("facqa_en")), *_followups(r["followups"])]


def _baseline(r: dict) -> list[str]:
    bot, base, ratios = r["bot"], r["baseline"], r["ratios"]
    lines = ["## Baseline: plain llama-index retrieval", ""]
    lines += _para(
        "The pipeline a user writes from the llama-index docs, over the same articles with the ",
        "same embedder: `SimpleDirectoryReader` -> `VectorStoreIndex` (default ",
        "`SentenceSplitter`) on a `ChromaVectorStore` -> `as_retriever(similarity_top_k=5)`; ",
        "its answer is the top chunk's text. Baseline latency is retrieval alone; the bot's is ",
        "a whole `bot.ask`. ",
        f"Index build: bot {bot['build_s']:.1f} s, baseline {base['build_s']:.1f} s.",
    )
    return lines + _table(
        ("System", *SCORE_HEADER),
        [_scores("Bot", bot), _scores("llama-index baseline", base),
         ("Bot / baseline", *(_x(ratios[k]) for k in SCORES))],
    )


def _latency(r: dict) -> list[str]:
    lines = ["## Latency", ""]
    lines += _para(
        f"{r['questions']} warm `bot.ask` calls over the FacQA index ({r['chunks']} chunks): ",
        f"p50 {_ms(r['p50_s'])} ms, p95 {_ms(r['p95_s'])} ms. Slowest stage: ",
        f"**{r['slowest_stage']}**. Stage medians from `bot.timings`; `other` is question parsing.",
    )
    lines += _table(
        ("Stage", "median ms", "share"),
        [(name, _ms(value), _pct(r["stages_share"][name]))
         for name, value in r["stages_p50_s"].items()],
    )
    if f := r.get("fusion"):
        lines += [*_para(
            f"Fusion, the same {f['questions']} questions: the bot's own relative-score fusion ",
            "(`bot.as_retriever`) against llama-index's `QueryFusionRetriever(mode=\"relative_score\", ",
            "num_queries=1)` over the bot's two sides (`bot.as_retrievers()`, the same weights). ",
            f"Same top {f['k']}, in the same order: {_pct(f['same_top_k'])}."), *_table(
            ("Fusion", "own passage first", "median ms per retrieval"),
            [("bot", _pct(f["gold_first_bot"]), _ms(f["p50_bot_s"])),
             ("llama-index QueryFusionRetriever (through the two adapters)", _pct(f["gold_first_llama_index"]),
              _ms(f["p50_llama_index_s"]))])]
    return lines


def _indexing(r: dict) -> list[str]:
    folders = (("All FacQA articles", r["full"]), ("1,000-article folder", r["folder_1000"]))
    add = r["add_one_article"]
    lines = ["## Indexing", ""]
    lines += _para(
        "A full build into an empty index, then no-op re-syncs of the unchanged folder (median ",
        "of 3): the sync alone, and a whole `Bot.from_articles` (sync plus loading BM25).",
    )
    lines += _table(
        ("Folder", "articles", "chunks", "build s", "chunks/s", "no-op sync s",
         "no-op Bot.from_articles s"),
        [(label, f["articles"], f["chunks"], f"{f['build_s']:.2f}", f"{f['chunks_per_s']:.0f}",
          f"{f['noop_resync_s']:.3f}", f"{f['noop_bot_ready_s']:.3f}") for label, f in folders],
    )
    return lines + _para(
        f"Adding one article to the full index: {add['sync_s']:.3f} s ",
        f"({add['chunks_written']} chunks embedded).",
    )


def _scale(r: dict) -> list[str]:
    embedding = r["sizes"][0].get("embedding", "?") if r["sizes"] else "?"
    lines = [f"## Scale: `{embedding}`", ""]
    lines += _para(
        "Synthetic corpora of articles whose sentences are shuffled across FacQA passages. Each ",
        "size is built and queried in its own process: build is the sync, ready is loading the ",
        "bot after it (BM25 built from the chunks and saved), restart is `Bot.from_index` over ",
        "the built index (the saved BM25 loaded); peak RSS is that process's maximum, once the model is loaded and at the ",
        f"end. Queries are {r['questions']} FacQA questions, after 5 untimed ones. Embedding: ",
        f"`{embedding}`.",
    )
    lines += _table(
        ("Target chunks", "articles", "chunks", "build s", "chunks/s", "ready s", "restart s",
         "index MB", "RSS after load MB", "peak RSS MB", "p50 ms", "p95 ms"),
        [(f"{s['target_chunks']:,}", s["articles"], s["chunks"], f"{s['build_s']:.1f}",
          f"{s['chunks_per_s']:.0f}", f"{s['bot_ready_s']:.2f}", f"{s.get('restart_ready_s', float('nan')):.2f}",
          f"{s['index_mb']:.1f}",
          f"{s['peak_rss_after_load_mb']:.0f}", f"{s['peak_rss_mb']:.0f}",
          _ms(s["p50_s"]), _ms(s["p95_s"])) for s in r["sizes"]],
    )
    keys = ("chunks", "build_s", "bot_ready_s", "restart_ready_s", "index_mb", "peak_rss_mb", "p50_s", "p95_s")
    return lines + _para("Growth between consecutive sizes:") + _table(
        ("Step", "chunks", "build", "ready", "restart", "index size", "peak RSS", "p50", "p95"),
        [(step, *(_x(g[k]) for k in keys)) for step, g in r["growth"].items()],
    )


def _coldstart(r: dict) -> list[str]:
    floor = r["import_floor_s"]
    lines = ["## Cold start", ""]
    lines += _para(
        "Median of 3 fresh processes (after one untimed run) over an index of `seeds/`. ",
        f"Answer: \"{r['answer']}\". The ask command imports neither gradio nor llama-index, ",
        "hence its own floor; it runs its two encoders (query embedding, reader) on ONNX Runtime, ",
        "so it imports neither torch, transformers nor sentence-transformers either.",
    )
    rows = [
        (f"`{r['command']}`", f"{r['ask_s']:.2f}", _x(r["ratio_to_floor"])),
        ("same, with `HF_HUB_OFFLINE=1`", f"{r['ask_hub_offline_s']:.2f}",
         _x(r["ratio_to_floor_hub_offline"])),
    ]
    if "ask_torch_s" in r:
        same = "same answer" if r["torch_same_answer"] else "a different answer"
        rows.append((f"same, encoders on torch (`QA_RUNTIME=torch`; {same})", f"{r['ask_torch_s']:.2f}",
                     _x(r["ask_torch_s"] / floor if floor else None)))
    rows += [
        (f"floor: `{IMPORTS}`", f"{floor:.2f}", "1.00×"),
        (f"the ask command's floor: `{CLI_IMPORTS}`", f"{r['cli_import_floor_s']:.2f}",
         _x(r["cli_import_floor_s"] / floor if floor else None)),
    ]
    if "torch_import_floor_s" in r:
        rows.append((f"its floor on torch: `{TORCH_IMPORTS}`", f"{r['torch_import_floor_s']:.2f}",
                     _x(r["torch_import_floor_s"] / floor if floor else None)))
    if "llama_index_import_s" in r:
        rows.append((f"what `{LLAMA_IMPORT}` adds to the ask command's floor (fusing through "
                     "llama-index would need it)", f"{r['llama_index_import_s']:.2f}", "–"))
    if r["app"]:
        rows.append(("`python app.py` to its first answer in the web chat",
                     f"{r['app']['median_s']:.2f}", _x(r["app"]["ratio_to_floor"])))
    return lines + _table(("Process", "median s", "vs floor"), rows)


def _reading(r: dict) -> list[str]:
    """The reading suite: held-out sets asked through the whole product."""
    lines = ["## Reading", ""]
    lines += _para(
        f"Reader `{r['reader']}`; answer-or-decline: {r['decision']}. Every question goes through ",
        "`Bot.ask` (hybrid retrieval over the whole corpus, five chunks read). F1 is SQuAD 2.0's: ",
        "declining scores 1 on an unanswerable question and 0 on an answerable one.",
    )
    idk = r["idk_mrc_valid"] or {}
    lines += [] if not idk else _para(
        f"IDK-MRC valid: {idk['questions']} questions, all {idk['articles']} paragraphs as the articles ",
        "(the decision's threshold was chosen on this split; the reader never trained on it).",
    )
    lines += [] if not idk else _table(
        ("", "overall F1", "answerable F1", "answerable answered", "unanswerable declined"),
        [("IDK-MRC valid", f"{idk['overall_f1']:.3f}", f"{idk['answerable_f1']:.3f}",
          _pct(idk["answerable_answered"]), _pct(idk["unanswerable_declined"]))])
    if r.get("facqa"):
        lines += _para("FacQA over its whole corpus, the held-out fifth of passages (never trained on) ",
                       "beside the four fifths the reader trained on:")
        lines += _table(("", "questions", "cite@1", "answer F1", "containment"),
                        [(name, f[name]["questions"], _pct(f[name]["cite@1"]), f"{f[name]['f1']:.3f}",
                          _pct(f[name]["contains"])) for f in [r["facqa"]] for name in ("heldout", "trained_on")])
    rows = []
    for label, key in (("Seed paraphrases", "seed_paraphrases"), ("English articles", "english")):
        part = r.get(key)
        for lang, g in ((k, v) for k, v in (part or {}).items() if isinstance(v, dict)):
            rows.append((f"{label} ({lang})", g["questions"], _pct(g["accuracy"]), f"{g['answerable_f1']:.3f}",
                         _pct(g["unanswerable_declined"]), _pct(g["citation_accuracy"])))
    if rows:
        lines += _para("Questions written for the benchmark before any answer was seen: the seed ",
                       "paraphrases over `seeds/`, and questions over six fictional English articles ",
                       "(`bench/questions/english/`). Accuracy: an accepted substring is in the answer ",
                       "(or, unanswerable, it was declined).")
        lines += _table(("Set", "questions", "accuracy", "answerable F1", "unanswerable declined",
                         "first citation right"), rows)
    return lines


def _serving(r: dict) -> list[str]:
    lines = ["## Serving", ""]
    lines += _para(
        f"`python app.py` over `seeds/` on loopback; {r['clients']} client threads per endpoint, each making ",
        f"{r['requests_per_client']} requests in a row through Gradio's HTTP API. `/ask` p50 with chat traffic ",
        f"is **{_x(r['ask_p50_ratio_with_chat'])}** its p50 alone.",
    )
    rows = [(label, s["requests"], s["errors"], _ms(s["p50_s"]) if s["p50_s"] is not None else "–",
             _ms(s["p95_s"]) if s["p95_s"] is not None else "–")
            for label, s in (("`/ask` alone", r["ask_alone"]), ("`/ask` with chat", r["ask_with_chat"]),
                             ("chat with `/ask`", r["chat_with_ask"])) if s]
    return lines + _table(("Requests", "count", "errors", "p50 ms", "p95 ms"), rows)


def _llm(r: dict) -> list[str]:
    lines = ["## LLM answers", ""]
    lines += _para(f"Questions over `seeds/` asked of {r['endpoint']}, each quote checked word for word; ",
                   "a reply with no verified quote falls back to the extractive reader.")
    rows = [(name, g["questions"], _pct(g["llm_answered"]), g["quotes_checked"], _pct(g["quotes_verified"]),
             _pct(g["answers_with_sentences_left_out"]),
             _pct(g["answer_accuracy"]) if name != "overviews" else "–",
             _pct(g["reader_answer_accuracy"]) if name != "overviews" else "–")
            for name in ("seeds", "paraphrases", "overviews") for g in [r[name]]]
    return lines + _table(("Set", "questions", "LLM answer kept", "quotes", "quotes verified",
                           "answers with sentences left out", "answer accuracy", "reader's accuracy"), rows)


TITLES = {"llm": "LLM answers", "coldstart": "Cold start"}
SECTIONS: dict[str, Callable[[dict], list[str]]] = {
    "quality": _quality, "reading": _reading, "baseline": _baseline, "latency": _latency, "serving": _serving,
    "indexing": _indexing, "scale": _scale, "coldstart": _coldstart, "llm": _llm,
}


def render(results: list[dict], ctx: Context, command: str, included: Sequence[str] = ()) -> str:
    """The whole document."""
    lines = ["# Benchmarks", ""]
    lines += _para(
        "Figures from one run of the command below (`python -m bench --help` lists the suites). ",
        "Wall-clock times on a small shared machine are noisy: read them as medians and ratios.",
    )
    if included:
        lines += _para(f"The {', '.join(included)} suite{'s' * (len(included) > 1)} came from an earlier run "
                       "(`--include`), on the same machine.")
    lines += _machine(ctx, command)
    for result in results:
        if "skipped" in result:
            title = f"## {TITLES.get(result['suite'], result['suite'].capitalize())}"
            lines += [title, "", *_para(f"_Skipped: {result['skipped']}._")]
        else:
            lines += SECTIONS[result["suite"]](result)
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(path: Path, results: list[dict], ctx: Context, command: str,
                   included: Sequence[str] = ()) -> Path:
    """Rewrite `path` from this run (and the `included` suites of an earlier one)."""
    path.write_text(render(results, ctx, command, included), encoding="utf-8")
    return path
