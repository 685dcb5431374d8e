"""The answer stage: the reader's spans become a short answer with verbatim, numbered citations.

The reader scores spans in the retrieved chunks; the decider says whether the best one is good
enough to answer. The answer's value is that span (said in English for English questions when
it is a typed value), `[1]` cites the sentence holding it with the span marked, further
articles whose best span says the same are cited as "see also", and an article whose best span
gives another value of the same kind is shown beside it as a disagreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from index.chunks import split_sentences

from .lexicon import written_in_english
from .question import Question
from .reading import Decider, Reader, Span, features
from .reading.metrics import normalize
from .render import render
from .retrieve import Chunk
from .values import Value, complete, typed

MAX_CITATIONS = 5
# Kinds of value two articles can disagree on (a name or a phrase may just be worded otherwise).
_COMPARABLE = frozenset({"date", "duration", "quantity"})
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
    """An answer with [n] markers in `text` pointing into `citations` (1-based). `value` is the
    answer span (the LLM's text without markers when it answered); `confidence` the decider's
    probability that the span is right (0 for LLM answers). `answerer` says who answered:
    "reader" (extractive) or "llm"; `quotes_checked` / `quotes_verified` count the LLM's
    quotes and those found word for word; `notice` is one line about how the answer was made
    (a fallback's reason, sentences left out), empty when there is nothing to say."""

    text: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    kind: str = "other"
    value: str = ""
    disagreement: bool = False
    confidence: float = 0.0
    answerer: str = "reader"
    quotes_checked: int = 0
    quotes_verified: int = 0
    left_out: int = 0
    notice: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "text": self.text,
            "found": self.found,
            "kind": self.kind,
            "value": self.value,
            "disagreement": self.disagreement,
            "confidence": round(self.confidence, 4),
            "answerer": self.answerer,
            "quotes_checked": self.quotes_checked,
            "quotes_verified": self.quotes_verified,
            "left_out": self.left_out,
            "notice": self.notice,
            "citations": [vars(c) for c in self.citations],
        }


@dataclass(frozen=True)
class _Candidate:
    """The best span of one retrieved chunk, with the decider's probability."""

    span: Span
    chunk: Chunk
    features: list[float]
    probability: float
    value: Value

    @property
    def article(self) -> str:
        return str(self.chunk.meta["article"])


def not_found(question: Question, confidence: float = 0.0) -> Answer:
    return Answer(NOT_FOUND[question.english], False, kind="other", confidence=confidence)


def candidates(question_text: str, chunks: Sequence[Chunk], reader: Reader, decider: Decider,
               english: bool = False) -> list[_Candidate]:
    """Each chunk's best span (widened to a whole duration when it cuts one short), most
    probable first (`english`: the question is in English)."""
    spans = reader.read(question_text, [c.text for c in chunks])
    retrieval, similarity = [c.score for c in chunks], [c.similarity for c in chunks]
    best: dict[int, Span] = {}
    for s in spans:  # best first, so the first span seen per chunk is its best
        best.setdefault(s.passage, s)
    out = []
    for s in best.values():
        values = features(s, spans, retrieval, similarity, english)
        text = chunks[s.passage].text
        a, b = complete(text, s.start, s.end)
        s = replace(s, start=a, end=b, text=text[a:b])
        out.append(_Candidate(s, chunks[s.passage], values, decider.probability(values), typed(s.text)))
    return sorted(out, key=lambda c: c.probability, reverse=True)


def extract(question: Question, question_text: str, chunks: Sequence[Chunk], reader: Reader,
            decider: Decider) -> Answer:
    """Answer `question` (read as `question_text`) from the retrieved `chunks`."""
    found = candidates(question_text, chunks, reader, decider, question.english) if chunks else []
    threshold = decider.cut(question.english)
    if not found or found[0].probability < threshold:
        return not_found(question, found[0].probability if found else 0.0)
    best = found[0]
    confident = [c for c in found[1:] if c.probability >= threshold]
    rival = _rival(best, confident)
    support = [c for c in confident if c.article != best.article and _same(best, c)]
    cited = [best, *([rival] if rival else []), *_one_per_article(support, {best.article})]
    citations = [_citation(c) for c in cited[:MAX_CITATIONS]]
    english_text = _english_articles(chunks) if question.english else {}
    value = _said(best, question.english, english_text)
    if rival:
        lead = "The articles disagree:" if question.english else "Artikel-artikel berbeda:"
        text = f"{lead} {value} [1], {'but' if question.english else 'tetapi'} {_said(rival, question.english, english_text)} [2]."
    else:
        text = f"{value[:1].upper()}{value[1:]} [1]."
    first_extra = 3 if rival else 2
    if len(citations) >= first_extra:
        markers = ", ".join(f"[{n}]" for n in range(first_extra, len(citations) + 1))
        text += f" {'See also' if question.english else 'Lihat juga'} {markers}."
    return Answer(text, True, citations, best.value.kind, best.span.text, bool(rival), best.probability)


def _english_articles(chunks: Sequence[Chunk]) -> dict[str, bool]:
    """Article -> whether it reads as English, judged on all its retrieved chunks together
    (one chunk may be a headline without a function word, or quote the other language). Only
    an English question needs it: an Indonesian one is always answered as written."""
    texts: dict[str, list[str]] = {}
    for c in chunks:
        texts.setdefault(str(c.meta["article"]), []).append(c.text)
    return {article: written_in_english(" ".join(parts)) for article, parts in texts.items()}


def _said(c: _Candidate, english: bool, english_text: dict[str, bool]) -> str:
    """The candidate's value for the asker: said in English for an English question about an
    Indonesian article, as written when the article is English already ("4,500" stays)."""
    return render(c.value, english and not english_text.get(c.article, False))


def _same(a: _Candidate, b: _Candidate) -> bool:
    """Two spans say the same when one's words hold the other's and make at least half of
    them ("September" and "September 2025", "Putin" and "Vladimir Putin", but not "Vladimir
    Putin" and a clause that names him); typed values are compared as rendered, so
    "(5/2/2026)" is "5 Februari 2026"."""
    x, y = (normalize(render(c.value, True) if c.value.kind in _COMPARABLE else c.span.text) for c in (a, b))
    if not (x and y):
        return False
    short, long = sorted((x, y), key=len)
    return f" {short} " in f" {long} " and 2 * len(short.split()) >= len(long.split())


def _rival(best: _Candidate, others: Sequence[_Candidate]) -> _Candidate | None:
    """A confident answer from another article giving a different value of the same kind."""
    if best.value.kind not in _COMPARABLE:
        return None
    return next((c for c in others if c.article != best.article and c.value.kind == best.value.kind
                 and not _same(best, c)), None)


def _one_per_article(found: Sequence[_Candidate], seen: set[str]) -> list[_Candidate]:
    out = []
    for c in found:
        if c.article not in seen:
            seen.add(c.article)
            out.append(c)
    return out


def _citation(c: _Candidate) -> Citation:
    """The sentence(s) of the chunk holding the span, in article offsets, span marked."""
    base = int(c.chunk.meta["start"])
    text = c.chunk.text
    sentences = split_sentences(text) or [(0, len(text))]
    s = max((a for a, b in sentences if a <= c.span.start), default=0)
    e = min((b for a, b in sentences if b >= c.span.end), default=len(text))
    return Citation(
        article=c.article, quote=text[s:e], start=base + s, end=base + e,
        title=str(c.chunk.meta.get("title", "")), score=round(c.probability, 4),
        span_start=base + c.span.start, span_end=base + c.span.end,
    )
