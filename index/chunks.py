"""Split an article's content into sentences and overlapping sentence chunks, keeping offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .articles import Article

MAX_SENTENCES = 3
MAX_CHARS = 700
OVERLAP = 1

# Words that end with a full stop without ending the sentence (Indonesian and English).
_ABBREVIATIONS = frozenset(
    "dr drs prof ir h hj no nomor jl st sdr bpk ibu tn ny kh mr mrs ms jr sr vs etc inc ltd co "
    "corp dll dsb dkk tsb yth a.n u.p gen lt col capt sgt rev".split()
)
# Candidate ends: sentence punctuation plus closing quotes, then whitespace.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n")


def _is_boundary(text: str, match: re.Match[str], end: int) -> bool:
    """Decide whether a candidate end really ends a sentence."""
    rest = text[match.end() : end].lstrip()
    if not rest:
        return True
    nxt = rest[0]
    if match.group() == "\n":
        # A line starting in lower case continues the sentence ('..., ”\nkata Xi').
        return not nxt.islower()
    if nxt.islower() or nxt.isdigit() and match.group() == ".":
        return False
    word = re.search(r"([\w.]+)[.!?]+$", text[max(0, match.start() - 20) : match.start() + 1])
    if match.group().startswith(".") and word:
        token = word.group(1).lower().rstrip(".")
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            return False
    return True


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in text[start:end], stripped of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for m in _END.finditer(text, start, end):
        if not _is_boundary(text, m, end):
            continue
        stop = m.start() if m.group() == "\n" else m.end()
        _append(text, spans, begin, stop)
        begin = m.end()
    _append(text, spans, begin, end)
    return spans


def _append(text: str, spans: list[tuple[int, int]], s: int, e: int) -> None:
    piece = text[s:e]
    if piece.strip():
        s += len(piece) - len(piece.lstrip())
        e -= len(piece) - len(piece.rstrip())
        spans.append((s, e))


def _windows(sentences: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Group sentences into chunks of up to MAX_SENTENCES / MAX_CHARS, overlapping by OVERLAP."""
    i = 0
    while i < len(sentences):
        j = i + 1
        while (
            j < len(sentences)
            and j - i < MAX_SENTENCES
            and sentences[j][1] - sentences[i][0] <= MAX_CHARS
        ):
            j += 1
        yield sentences[i][0], sentences[j - 1][1]
        if j >= len(sentences):
            return
        i = max(j - OVERLAP, i + 1)


def bounded(text: str, sentences: list[tuple[int, int]], limit: int = MAX_CHARS) -> list[tuple[int, int]]:
    """Sentences longer than `limit` cut at the last space before it (or at `limit` itself
    inside a word that long), so no chunk or quote exceeds it; offsets stay exact."""
    out: list[tuple[int, int]] = []
    for s, e in sentences:
        while e - s > limit:
            cut = text.rfind(" ", s + 1, s + limit + 1)
            cut = cut if cut > s else s + limit
            out.append((s, cut))
            s = cut
            while s < e and text[s].isspace():
                s += 1
        if e > s:
            out.append((s, e))
    return out


def chunk_spans(article: Article) -> list[tuple[int, int]]:
    """Chunk spans of an article; a chunk never crosses a removed line (heading, link) and is
    never longer than MAX_CHARS."""
    spans: list[tuple[int, int]] = []
    for s, e in article.blocks:
        spans.extend(_windows(bounded(article.text, split_sentences(article.text, s, e))))
    return spans
