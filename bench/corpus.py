"""Benchmark inputs: FacQA questions, seed questions, and article folders made from them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index.articles import parse
from index.chunks import chunk_spans, split_sentences

from .metrics import normalize

SEED = 20260204
T = TypeVar("T")


@dataclass(frozen=True)
class FacQA:
    """One FacQA question with its gold passage and answer span."""

    id: int
    question: str
    passage_id: str
    passage: str
    answer: str

    @property
    def article(self) -> str:
        """File name of the gold passage's article."""
        return article_name(self.passage_id)


@dataclass(frozen=True)
class SeedQuestion:
    """A hand-written question about the shipped articles; `answers` is None when unanswerable."""

    q: str
    lang: str
    answers: tuple[str, ...] | None
    article: str | None


@dataclass(frozen=True)
class Gold:
    """Everything FacQA accepts for one question: its passages (as article names) and spans."""

    articles: frozenset[str]
    answers: tuple[str, ...]


def article_name(passage_id: str) -> str:
    """The file a passage is written to."""
    return f"{passage_id}.txt"


def _jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def load_facqa(path: Path) -> list[FacQA]:
    """Every question of a FacQA JSON-lines file, in file order."""
    return [FacQA(r["id"], r["question"], r["passage_id"], r["passage"], r["answer"])
            for r in _jsonl(path)]


def load_seeds(path: Path) -> list[SeedQuestion]:
    """Seed questions: {"q", "lang", "answer": [substrings] | null, "article": name | null}."""
    return [SeedQuestion(r["q"], r["lang"], tuple(r["answer"]) if r.get("answer") else None,
                         r.get("article"))
            for r in _jsonl(path)]


def first_passages(items: list[FacQA], count: int) -> list[FacQA]:
    """The questions about the first `count` distinct passages (a tiny corpus for smoke runs)."""
    keep = set(list(distinct_passages(items))[:count])
    return [item for item in items if item.passage_id in keep]


def sample(items: list[T], count: int | None) -> list[T]:
    """A deterministic sample of `count` items in their original order (all when None)."""
    if count is None or count >= len(items):
        return list(items)
    chosen = sorted(random.Random(SEED).sample(range(len(items)), count))
    return [items[i] for i in chosen]


def golds(items: Iterable[FacQA]) -> dict[int, Gold]:
    """Question id -> its gold passages and answers. FacQA asks some questions word for word
    of several passages, a row each, with the span marked in each; and some passages recur
    with only their spacing changed by detokenisation ("1,05" and "1, 05"; compared without
    case, punctuation or spaces). Every such
    passage is that question's gold passage, and every marked span its gold answer, as in
    multi-reference scoring."""
    items = list(items)
    rows: dict[str, list[FacQA]] = {}
    for item in items:
        rows.setdefault(normalize(item.question), []).append(item)
    copies: dict[str, set[str]] = {}
    for item in items:
        copies.setdefault(normalize(item.passage).replace(" ", ""), set()).add(item.article)
    out: dict[int, Gold] = {}
    for item in items:
        same = rows[normalize(item.question)]
        articles = {a for row in same for a in copies[normalize(row.passage).replace(" ", "")]}
        answers = tuple(dict.fromkeys(row.answer for row in same))
        out[item.id] = Gold(frozenset(articles), answers)
    return out


def distinct_passages(items: Iterable[FacQA]) -> dict[str, str]:
    """Passage id -> passage text, in order of first appearance."""
    return {item.passage_id: item.passage for item in items}


def write_passages(items: Iterable[FacQA], folder: Path, limit: int | None = None) -> int:
    """Write each distinct passage (the first `limit`) to `<passage_id>.txt`; returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = list(distinct_passages(items).items())[:limit]
    for passage_id, text in chosen:
        (folder / article_name(passage_id)).write_text(text + "\n", encoding="utf-8")
    return len(chosen)


def synthetic_texts(items: list[FacQA]) -> Iterator[str]:
    """Endless distinct article texts of 6-10 sentences drawn across passages: every text is
    new (sentences shuffled across passages), never a passage copied unchanged."""
    passages = distinct_passages(items).values()
    pool = [text[s:e] for text in passages for s, e in split_sentences(text)]
    seen = {text.strip() for text in passages}
    rng = random.Random(SEED)
    while True:
        text = " ".join(rng.sample(pool, rng.randint(6, 10)))
        if text not in seen:
            seen.add(text)
            yield text


def write_synthetic(items: list[FacQA], folder: Path, chunks: int) -> tuple[int, int]:
    """Fill `folder` with synthetic articles until they make at least `chunks` index chunks
    (counted with the indexer's own chunker). Returns (articles, chunks) written."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = total = 0
    texts = synthetic_texts(items)
    while total < chunks:
        name = f"syn_{articles:06d}.txt"
        raw = (next(texts) + "\n").encode()
        (folder / name).write_bytes(raw)
        total += len(chunk_spans(parse(raw, name)))
        articles += 1
    return articles, total
