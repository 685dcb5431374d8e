"""What the suites share: settings, the embedder, the FacQA corpus and bot, and timing helpers."""

from __future__ import annotations

import json
import logging
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from index.embedder import Embedder, load_embedder
from qa import Answer, Bot

from .corpus import FacQA, Gold, first_passages, golds, load_facqa, sample, write_passages
from .metrics import score, strip_markers

log = logging.getLogger("bench")
T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FACQA = REPO.parent / "shared" / "data" / "facqa" / "train.jsonl"
DEFAULT_SEEDS = REPO / "bench" / "questions" / "seeds.jsonl"
DEFAULT_OUT = REPO / "bench" / "out"
QUICK_PASSAGES = 20
QUICK_QUESTIONS = 30


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Call `fn` and return (its result, wall seconds)."""
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def median_seconds(fn: Callable[[], Any], repeats: int = 3) -> float:
    """Median wall seconds of `repeats` calls of `fn`."""
    return round(statistics.median(timed(fn)[1] for _ in range(repeats)), 4)


def prediction(answer: Answer) -> str:
    """The short answer to score: the extracted value, else the answer text without [n]
    markers; nothing when the bot abstained (its apology is not an answer)."""
    if not answer.found:
        return ""
    return answer.value or strip_markers(answer.text)


def shown(path: Path) -> str:
    """A path as reports show it: relative to the repository when inside it."""
    return str(path.relative_to(REPO) if path.resolve().is_relative_to(REPO) else path)


def write_jsonl(path: Path, rows: Iterable[dict]) -> str:
    """Write rows as JSON lines, creating the folder; returns the path as shown."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return shown(path)


@dataclass
class Context:
    """Settings of one benchmark run, and what its suites build once and share."""

    work: Path
    out: Path = DEFAULT_OUT
    facqa_path: Path = DEFAULT_FACQA
    seeds_path: Path = DEFAULT_SEEDS
    quick: bool = False
    limit: int | None = None
    scale_sizes: tuple[int, ...] = (1000, 10000, 100000)
    scale_model: str | None = None

    @cached_property
    def embedder(self) -> Embedder:
        """The product's embedder, loaded once for every in-process bot."""
        return load_embedder()

    @cached_property
    def facqa_items(self) -> list[FacQA] | None:
        """Every FacQA question of the corpus (a few passages' worth when quick); None when
        the file is absent."""
        if not self.facqa_path.is_file():
            log.warning("FacQA not found at %s: its parts are skipped", self.facqa_path)
            return None
        items = load_facqa(self.facqa_path)
        return first_passages(items, QUICK_PASSAGES) if self.quick else items

    @cached_property
    def questions(self) -> list[FacQA]:
        """The FacQA questions to ask: a deterministic sample of `limit` (few when quick)."""
        count = self.limit or (QUICK_QUESTIONS if self.quick else None)
        return sample(self.facqa_items or [], count)

    def skipped(self) -> dict[str, str]:
        """The reason a FacQA-based suite cannot run."""
        return {"skipped": f"FacQA file not found: {self.facqa_path}"}

    @cached_property
    def facqa_folder(self) -> Path:
        """A folder with one article per distinct FacQA passage of the corpus."""
        folder = self.work / "facqa-articles"
        count = write_passages(self.facqa_items or [], folder)
        log.info("wrote %d FacQA articles to %s", count, folder)
        return folder

    @cached_property
    def facqa_bot(self) -> Bot:
        """A bot over the FacQA articles, built once."""
        bot = Bot.from_articles(
            self.facqa_folder, persist_dir=self.work / "facqa-index", embedder=self.embedder
        )
        log.info("FacQA index: %s", bot.report.summary() if bot.report else "")
        return bot

    @cached_property
    def bot_results(self) -> list[dict]:
        """The bot's answer to every FacQA question, scored, with its time and stage timings."""
        log.info("asking the bot %d FacQA questions", len(self.questions))
        return [self.ask_facqa(item) for item in self.questions]

    @cached_property
    def golds(self) -> dict[int, Gold]:
        """Question id -> every passage and span FacQA accepts for it."""
        return golds(self.facqa_items or [])

    def ask_facqa(self, item: FacQA) -> dict:
        """Ask the FacQA bot one question and score the answer against its gold passage and span."""
        answer, seconds = timed(lambda: self.facqa_bot.ask(item.question))
        cited = [c.article for c in answer.citations]
        predicted = prediction(answer)
        gold = self.golds[item.id]
        return {
            "id": item.id, "question": item.question, "gold": item.answer,
            "article": item.article, "found": answer.found, "kind": answer.kind,
            "prediction": predicted, "text": answer.text, "cited": cited,
            **score(item.article, gold.articles, gold.answers, cited, predicted),
            "seconds": round(seconds, 6), "timings": dict(self.facqa_bot.timings),
        }
