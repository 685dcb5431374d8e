"""Question-sentence alignment: a factoid answer usually fills the gap the question word leaves.

"Obat apakah yang ... ?" over "Sedang obat oseltamivir yang selama ini ..." -> "oseltamivir":
the question's words line up with the sentence's on both sides of the answer, and the noun the
question asks about ("obat") sits right before it. A candidate is a run of sentence words the
question does not use, scored by how many question words border it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from .spans import HONORIFICS, Span
from .text import STOPWORDS, stem, variants

# Words with internal dots, slashes, commas or hyphens ("1.500", "9P/Tempel", "al-Sadr") stay whole.
_TOKEN = re.compile(r"\w+(?:[.,/'’-]\w+)*|[^\w\s]")
# A run stops at punctuation but these, which join the parts of one name or number.
_JOINERS = frozenset("/ - & '".split())
# Clause openers: what follows describes the answer rather than being part of it.
_CLAUSE = frozenset(
    """yang yakni yaitu adalah ialah merupakan karena sebab agar supaya untuk bahwa ketika saat
    sedangkan sementara tetapi namun serta sehingga setelah sebelum sejak hingga sampai kata ujar
    which who that because when while""".split()
)
# Words that open no answer: quantifiers, ordinals, adverbs ("sebuah", "lain", "kemudian").
_WEAK = frozenset(
    """sebuah seorang sebagian sejumlah beberapa berbagai lain lainnya khususnya terutama kemudian
    menjadi masih hanya baru kini sekarang pertama kedua ketiga terakhir sangat paling cukup mulai
    hari tahun bulan minggu pekan lalu mendatang kali""".split()
)
# Indonesian verb prefixes: a lowercase word the stemmer shortens after one is a verb, not a name.
_VERB = re.compile(r"(?:me|di|ber|ter)\w{3,}")
MAX_RUN = 8
_NO_START = STOPWORDS | _WEAK
_NO_PHRASE = STOPWORDS | _CLAUSE
# How far (in words) a question word may sit from the run and still border it.
REACH = 3
# Words a border looks through: function words and titles ("Kepala Balai Prof Sari").
_THROUGH = STOPWORDS | HONORIFICS
# How many tokens a bracketed aside ("(BPPT)", "(54)") may span, its brackets included, and still
# be looked through.
_ASIDE = 8


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    lower: str
    asked: bool
    word: bool
    role: bool = False


@lru_cache(maxsize=20000)
def _lexed(sentence: str) -> tuple[tuple[int, int, str, str, bool, frozenset[str]], ...]:
    """The sentence's tokens once: offsets, text, lowercase, whether a word, and the stems a
    content word may match (none for function words and punctuation)."""
    out = []
    for m in _TOKEN.finditer(sentence):
        text = m.group()
        lower = text.lower()
        word = text[0].isalnum() or text[0] == "_"
        # "ubur-ubur", "9P/Tempel": the whole token and each of its parts may be asked for.
        parts = {lower, *re.findall(r"\w+", lower)} - STOPWORDS if word else set()
        forms = frozenset(v for part in parts for v in variants(part))
        out.append((m.start(), m.end(), text, lower, word, forms))
    return tuple(out)


def _tokens(sentence: str, offset: int, asked: Collection[str], role: Collection[str] = ()) -> list[_Token]:
    asked = asked if isinstance(asked, (set, frozenset)) else set(asked)
    role = role if isinstance(role, (set, frozenset)) else set(role)
    return [_Token(offset + s, offset + e, text, lower, not forms.isdisjoint(asked), word,
                   bool(role) and not forms.isdisjoint(role))
            for s, e, text, lower, word, forms in _lexed(sentence)]


def _runs(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Maximal [i, j) stretches of words the question does not use, without clause openers."""
    runs, i = [], None
    for n, t in enumerate(tokens):
        inside = (t.word and not t.asked and t.lower not in _CLAUSE) or (i is not None and t.text in _JOINERS)
        if inside and i is None:
            i = n
        elif not inside and i is not None:
            runs.append((i, n))
            i = None
    if i is not None:
        runs.append((i, len(tokens)))
    return runs


def _trimmed(tokens: list[_Token], i: int, j: int) -> tuple[int, int]:
    """Drop function words and joiners from both ends of a run."""
    while i < j and (tokens[i].lower in _NO_START or not tokens[i].word or _verb(tokens[i])):
        i += 1
    # A noun phrase ends where a verb or a function word starts ("kelapa sawit | akan ditanam").
    for n in range(i + 1, j):
        if _verb(tokens[n]) or tokens[n].lower in STOPWORDS and tokens[n].lower not in ("dan", "atau", "serta", "of", "and"):
            j = n
            break
    while j > i and (tokens[j - 1].lower in STOPWORDS or not tokens[j - 1].word):
        j -= 1
    return i, j


def _verb(t: _Token) -> bool:
    """A lowercase word with a verb prefix the stemmer strips ("ditanam", "mengelilingi")."""
    return t.text.islower() and _VERB.fullmatch(t.lower) is not None and stem(t.lower) != t.lower


def _aside(tokens: list[_Token], n: int, step: int) -> int | None:
    """Where a bracketed aside opening at tokens[n] ("(" reading on, ")" reading back) closes."""
    opening, closing = ("(", ")") if step > 0 else (")", "(")
    if tokens[n].text != opening:
        return None
    for m in range(n + step, n + step * _ASIDE, step):
        if not 0 <= m < len(tokens) or tokens[m].text == opening:
            return None
        if tokens[m].text == closing:
            return m
    return None


def _border(tokens: list[_Token], positions: range, asides: bool = True) -> int:
    """Question words among the first REACH words at `positions`, counting until a non-question
    content word or punctuation other than a comma breaks the line. Titles, and with `asides`
    a bracketed aside ("Direktur BPPT (Bandung) Dr Rudi"), are looked through."""
    count = seen = 0
    skip_to = None
    for n in positions:
        if skip_to is not None:
            if n == skip_to:
                skip_to = None
            continue
        t = tokens[n]
        if not t.word:
            skip_to = _aside(tokens, n, positions.step) if asides else None
            if t.text != "," and skip_to is None:
                break
            continue
        if t.asked:
            count += 1
        elif t.lower not in _THROUGH:
            break
        seen += 1
        if seen >= REACH:
            break
    return count


def _led(tokens: list[_Token], i: int) -> int:
    """How many words of the question's role phrase come right before tokens[i], through
    titles, commas and a bracketed aside: "Kepala Balai, Prof Sari" for "Siapa Kepala Balai?"."""
    count, n = 0, i - 1
    while n >= 0:
        t = tokens[n]
        if t.role:
            count += 1
        elif count:
            if not (t.word and t.lower in STOPWORDS):  # "Menteri Kelautan dan Perikanan"
                break
        elif t.text == ")" and (close := _aside(tokens, n, -1)) is not None:
            n = close
        elif t.text != "," and t.lower not in HONORIFICS:
            break
        n -= 1
    return count


def _bordered(
    tokens: list[_Token], i: int, j: int, heads: set[str], roles: int = 0, asides: bool = True,
) -> float:
    """How closely the question borders tokens[i:j]: its words within REACH on each side, plus
    2 when the asked-about noun comes right before, plus 2 when the question's role phrase
    (`roles` words) leads up to it. `asides`: look through bracketed asides."""
    score = float(_border(tokens, range(i - 1, -1, -1), asides) + _border(tokens, range(j, len(tokens)), asides))
    if i > 0 and tokens[i - 1].word and heads & set(variants(tokens[i - 1].lower)):
        score += 2
    if roles and _led(tokens, i) >= min(2, roles):
        score += 2
    return score


def _parenthesised(tokens: list[_Token]) -> list[tuple[float, int, int]]:
    """"beruang madu (Helarctos malayanus)": when the question names one side of a bracketed
    apposition, the other side is the answer (a Latin name, a full name, a translation)."""
    out = []
    for n, t in enumerate(tokens):
        if t.text != "(":
            continue
        close = next((m for m in range(n + 1, min(len(tokens), n + 12)) if tokens[m].text == ")"), None)
        if close is None or close == n + 1:
            continue
        i = n
        while i > 0 and n - i < 5 and tokens[i - 1].word and tokens[i - 1].lower not in _NO_PHRASE:
            i -= 1
        inner, outer = tokens[n + 1 : close], tokens[i:n]
        if not outer:
            continue
        asked_in = sum(t.asked for t in inner if t.word) / max(1, sum(t.word for t in inner))
        asked_out = sum(t.asked for t in outer) / len(outer)
        if asked_out >= 0.5 and asked_in == 0:
            out.append((2.5 + asked_out, n + 1, close))
        elif asked_in >= 0.5 and asked_out == 0:
            out.append((2.5 + asked_in, i, n))
    return out


def gap(question_stems: Collection[str], head: str, text: str, start: int, end: int) -> tuple[Span | None, float]:
    """The run of text[start:end] the question's words border most closely, with a score:
    question words within REACH on each side, plus 2 when the asked-about noun `head` comes
    right before it. (None, 0) when no run borders a question word."""
    tokens = _tokens(text[start:end], start, question_stems)
    heads = set(variants(head)) if head else set()
    best: tuple[float, int, int] | None = None
    for i, j in _runs(tokens):
        i, j = _trimmed(tokens, i, j)
        if i >= j:
            continue
        score = _bordered(tokens, i, j, heads)
        if j - i > MAX_RUN:  # scored whole, but answered with its start
            i, j = _trimmed(tokens, i, i + MAX_RUN)
        score += 0.5 * (tokens[i].text[:1].isupper() or tokens[i].text[:1].isdigit())
        score -= 1.0 * (j - i == 1 and tokens[i].text.islower())  # a lone common word is rarely a name
        if score > 0.5 and (best is None or score > best[0]):
            best = (score, i, j)
    for score, i, j in _parenthesised(tokens):
        if best is None or score > best[0]:
            best = (score, i, j)
    if best is None:
        return None, 0.0
    score, i, j = best
    s, e = tokens[i].start, tokens[j - 1].end
    return Span(s, e, "phrase", text[s:e]), score


def bordering(
    question_stems: Collection[str], head: str, text: str, start: int, end: int,
    role: tuple[tuple[str, ...], ...] = (), asides: bool = True,
) -> Callable[[int, int], float]:
    """A scorer for candidate spans of text[start:end]: question words within REACH on each side
    of the span, plus 2 when the asked-about noun `head` comes right before it, plus 2 when the
    question's role phrase (stems per word, "Siapa Kepala Balai?") leads up to it. `asides`:
    look through bracketed asides, unless they may hold the answer ("Kabut Pagi (1981)")."""
    tokens = _tokens(text[start:end], start, question_stems, {t for g in role for t in g})
    heads = set(variants(head)) if head else set()

    def score(s: int, e: int) -> float:
        i = next((n for n, t in enumerate(tokens) if t.end > s), len(tokens))
        j = next((n for n, t in enumerate(tokens) if t.start >= e), len(tokens))
        return _bordered(tokens, i, j, heads, len(role), asides)

    return score
