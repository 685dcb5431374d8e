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
from .text import STOPWORDS, terms, words

FOUND_THRESHOLD = 0.5
# A further citation needs this share of the best sentence's coverage.
SUPPORT_RATIO = 0.4
# How much the retriever's fused score (relative to the top chunk) adds to a sentence's score.
RETRIEVAL_WEIGHT = 0.1
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


def _coverage(
    question: Question, stems: set[str], idf: Callable[[str], float], before: set[str] = frozenset()
) -> float:
    """IDF-weighted share of the question's words (any translation counts) found in `stems`;
    words found only in the sentence `before` count half, as context. A word the corpus never
    uses weighs as much as the rarest one, so it lowers coverage."""
    unseen = max((idf(t) for t in question.terms), default=1.0)
    total = matched = 0.0
    for group in question.groups:
        # The floor keeps common words (a name in every chunk) from counting for nothing.
        weight = 0.5 + (max(idf(t) for t in group) or unseen)
        weight *= 2 if group[0] in question.proper else 1
        total += weight
        if any(t in stems for t in group):
            matched += weight
        elif any(t in before for t in group):
            matched += weight / 2
    return matched / total if total else 0.0


def _describe(question: Question, text: str, start: int, end: int) -> Span | None:
    """For "who is X": the description next to X in the sentence, as an apposition
    ("Asisten pemerintah Rusia, X,") or a title before the name ("pemimpin Korea Utara X")."""
    sentence = text[start:end]
    asked = re.findall(r"[A-Z][\w'.-]*", question.text.split(None, 1)[-1])
    name = r"\s+".join(re.escape(w) for w in asked)
    patterns = (
        rf"(?P<d>[^,.;:]{{3,80}}),\s*{name}\s*[,.]",
        rf"{name},\s*(?P<d>[^,.;:]{{3,80}})[,.]",
        rf"(?P<d>\b[a-z]\w+(?:\s+[A-Z][\w-]*)*)\s+{name}\b",
    )
    for pattern in patterns:
        m = re.search(pattern, sentence) if asked else None
        if m and m["d"].split()[0].lower() not in STOPWORDS:
            d0 = m.start("d") + len(m["d"]) - len(m["d"].lstrip())
            return Span(start + d0, start + m.end("d"), "identity", m["d"].strip())
    return None


def _pick_span(question: Question, text: str, start: int, end: int) -> tuple[Span | None, float]:
    """The candidate of the wanted type best placed in the sentence, and how well placed it is
    (0..1): cued by a word like "selama"/"pada" and close to the question's words."""
    if question.kind in ("other", "reason"):
        return None, 0.0
    if question.kind == "identity":
        span = _describe(question, text, start, end)
        return span, 1.0 if span else 0.0
    asked = set(question.words)
    names = {"person", "organization", "location"}
    kinds = names if question.kind in names else {question.kind}
    candidates = [
        s for s in find_spans(text, start, end, asked)
        if s.kind in kinds and not set(words(s.value)) <= asked
    ]
    if not candidates:
        return None, 0.0
    anchors = [m.start() + start for m in re.finditer(r"\w+", text[start:end]) if m.group().lower() in asked]

    def fit(span: Span) -> float:
        distance = min((abs(a - span.start) for a in anchors), default=120)
        return 0.5 * span.cued + 0.5 * (1 - min(distance, 120) / 120) - 0.5 * (span.kind != question.kind)

    best = max(candidates, key=fit)
    return best, fit(best)


def _sentences(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> list[_Sentence]:
    """Every sentence of the retrieved chunks once, scored for the question."""
    seen: set[tuple[str, int]] = set()
    out: list[_Sentence] = []
    top = max((c.score for c in chunks), default=1.0) or 1.0
    for chunk in chunks:
        base = int(chunk.meta["start"])
        previous: set[str] = set()
        for s, e in split_sentences(chunk.text):
            text = chunk.text[s:e]
            stems = set(terms(words(text)))
            key = (chunk.meta["article"], base + s)
            if key in seen:
                previous = stems
                continue
            seen.add(key)
            coverage = _coverage(question, stems, idf, previous)
            previous = stems
            out.append(_Sentence(chunk, base + s, base + e, text, coverage, coverage + RETRIEVAL_WEIGHT * chunk.score / top))
    return out


def extract(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> Answer:
    """Answer `question` from retrieved `chunks`, best supporting sentence first."""
    sentences = _sentences(question, chunks, idf)
    if not sentences:
        return not_found(question)
    for sentence in sentences:
        base = int(sentence.chunk.meta["start"])
        span, fit = _pick_span(question, sentence.chunk.text, sentence.start - base, sentence.end - base)
        if span:
            sentence.span = replace(span, start=span.start + base, end=span.end + base)
            sentence.score += 0.1 + 0.3 * fit
    sentences.sort(key=lambda s: s.score, reverse=True)
    # A typed question is answered by the best sentence that holds a value of its type.
    relevant = [s for s in sentences if s.coverage >= FOUND_THRESHOLD]
    if not relevant:
        return not_found(question)
    best = next((s for s in relevant if s.span), relevant[0])
    # Further citations must be as much about the question and, for typed questions, hold a
    # value of the same type: related evidence, not mere word overlap.
    cited = [best] + [
        s for s in sentences[1:]
        if s.coverage >= SUPPORT_RATIO * best.coverage
        and s.chunk.meta["article"] != best.chunk.meta["article"]
        and (best.span is None or s.span is not None)
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
