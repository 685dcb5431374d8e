"""The extractive answerer: pick the supporting sentence, extract the typed span, cite it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from index.chunks import split_sentences

from .question import Question
from .render import render
from .retrieve import Chunk
from .spans import Span, find_spans
from .text import terms, words

FOUND_THRESHOLD = 0.5
SUPPORT_RATIO = 0.6
MAX_CITATIONS = 5
NOT_FOUND = {
    True: "I could not find that in the articles.",
    False: "Maaf, jawabannya tidak ada di artikel.",
}


@dataclass(frozen=True)
class Citation:
    """A verbatim passage: `quote == article text[start:end]`; `span_*` marks the answer in it."""

    article: str
    quote: str
    start: int
    end: int
    title: str
    score: float
    span_start: int | None = None
    span_end: int | None = None


@dataclass
class Answer:
    """An answer with [n] markers in `text` pointing into `citations` (1-based)."""

    text: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    kind: str = "other"
    value: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "text": self.text,
            "found": self.found,
            "kind": self.kind,
            "value": self.value,
            "citations": [vars(c) for c in self.citations],
        }


@dataclass
class _Sentence:
    chunk: Chunk
    start: int
    end: int
    text: str
    coverage: float
    score: float
    span: Span | None = None


def not_found(question: Question) -> Answer:
    return Answer(NOT_FOUND[question.english], False, kind=question.kind)


def _coverage(question: Question, stems: set[str], idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the question's words (any translation counts) found in `stems`.
    A word the corpus never uses weighs as much as the rarest one, so it lowers coverage."""
    unseen = max((idf(t) for t in question.terms), default=1.0) or 1.0
    total = matched = 0.0
    for group in question.groups:
        weights = [idf(t) for t in group]
        weight = max(weights) or unseen
        total += weight
        if any(t in stems for t in group):
            matched += weight
    return matched / total if total else 0.0


def _pick_span(question: Question, text: str, start: int, end: int) -> Span | None:
    """The candidate of the wanted type nearest to the question's words in the sentence."""
    if question.kind in ("other", "reason"):
        return None
    asked = set(question.words)
    kinds = {"person": {"person"}, "organization": {"organization", "person"},
             "location": {"location"}}.get(question.kind, {question.kind})
    candidates = [
        s for s in find_spans(text, start, end, asked)
        if s.kind in kinds and not set(words(s.value)) <= asked
    ]
    if not candidates:
        return None
    anchors = [m.start() + start for m in re.finditer(r"\w+", text[start:end])
               if m.group().lower() in asked]
    def distance(span: Span) -> float:
        return min((abs(a - span.start) for a in anchors), default=0)
    return min(candidates, key=lambda s: (s.kind != question.kind, distance(s)))


def _sentences(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> list[_Sentence]:
    """Every sentence of the retrieved chunks once, scored for the question."""
    seen: set[tuple[str, int]] = set()
    out: list[_Sentence] = []
    for rank, chunk in enumerate(chunks):
        base = int(chunk.meta["start"])
        for s, e in split_sentences(chunk.text):
            key = (chunk.meta["article"], base + s)
            if key in seen:
                continue
            seen.add(key)
            text = chunk.text[s:e]
            coverage = _coverage(question, set(terms(words(text))), idf)
            out.append(_Sentence(chunk, base + s, base + e, text, coverage, coverage + 0.05 / (1 + rank)))
    return out


def extract(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> Answer:
    """Answer `question` from retrieved `chunks`, best supporting sentence first."""
    sentences = _sentences(question, chunks, idf)
    if not sentences:
        return not_found(question)
    for sentence in sentences:
        base = int(sentence.chunk.meta["start"])
        span = _pick_span(question, sentence.chunk.text, sentence.start - base, sentence.end - base)
        if span:
            sentence.span = replace(span, start=span.start + base, end=span.end + base)
            sentence.score += 0.15
    sentences.sort(key=lambda s: s.score, reverse=True)
    best = sentences[0]
    if best.coverage < FOUND_THRESHOLD:
        return not_found(question)
    cited = [best] + [
        s for s in sentences[1:]
        if s.coverage >= SUPPORT_RATIO * best.coverage and s.chunk.meta["article"] != best.chunk.meta["article"]
    ]
    cited = list({s.chunk.meta["article"]: s for s in reversed(cited)}.values())[::-1][:MAX_CITATIONS]
    citations = [
        Citation(
            article=s.chunk.meta["article"], quote=s.text, start=s.start, end=s.end,
            title=s.chunk.meta.get("title", ""), score=round(s.score, 4),
            span_start=s.span.start if s.span else None, span_end=s.span.end if s.span else None,
        )
        for s in cited
    ]
    value = render(best.span, question.english) if best.span else ""
    head = f"{value[:1].upper()}{value[1:]} [1]." if value else f"{best.text} [1]"
    if len(citations) > 1:
        markers = ", ".join(f"[{n}]" for n in range(2, len(citations) + 1))
        head += f" {'See also' if question.english else 'Lihat juga'} {markers}."
    return Answer(head, True, citations, question.kind, value)
