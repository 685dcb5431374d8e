"""Understand a question: its language and its search terms (English words translated, so BM25
finds them in Indonesian articles), with the words a follow-up borrows from the conversation.
What the answer is, the reader decides; nothing here guesses it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import borrowed_spellings, english_units, looks_english, synonyms, translation_groups
from .text import STOPWORDS, stem, variants, words

MAX_QUESTION_CHARS = 1000

# A follow-up may open with a word that only links it to the conversation ("Lalu Xi?").
_OPENER = re.compile(
    r"^\s*(and|so|then|what about|how about|dan|lalu|terus|kalau|bagaimana dengan)\b[\s,]*",
    re.IGNORECASE,
)
# Capitalised words inside a sentence (not its first word) are names; "'s" is no part of one.
_PROPER = re.compile(r"(?<=\s)(?<![.?!]\s)[A-Z][\w-]*?(?=['’]s\b|[^\w-]|$)")
_EN_POSSESSIVE = re.compile(r"['’]s\b")
# Asking for an overview rather than a fact, and the words that only name what to summarise.
_SUMMARY = re.compile(r"\b(summar\w*|overview|ringkas\w*|rangkum\w*|ikhtisar\w*|intisari\w*)\b", re.IGNORECASE)
_WHOLE = frozenset("article articles artikel news berita story stories cerita all every semua seluruh "
                   "these this those ini itu tersebut give me please tolong beri berikan buat buatkan "
                   "briefly singkat main key points poin pokok isi content contents everything semuanya "
                   "artikel-artikel berita-berita".split())


class QuestionError(ValueError):
    """A question that cannot be asked; the message says what to do."""


@dataclass(frozen=True)
class Question:
    """A parsed question: `groups` holds, per content word, its stemmed Indonesian forms (an
    English word's translations share a group); `context` and `reply` the groups a follow-up
    borrows from the earlier question and its answer."""

    text: str
    english: bool
    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    context: tuple[tuple[str, ...], ...] = ()
    reply: tuple[tuple[str, ...], ...] = ()

    @property
    def search_groups(self) -> tuple[tuple[str, ...], ...]:
        """The question's own word groups, then those lent by the conversation."""
        return self.groups + self.context + self.reply

    @property
    def summary(self) -> bool:
        """Whether the question asks for an overview ("Summarise the articles about ...")."""
        return bool(_SUMMARY.search(self.text))

    @property
    def whole_library(self) -> bool:
        """An overview of everything ("Summarise the articles"), naming no topic to search for."""
        rest = words(_SUMMARY.sub(" ", self.text))
        return self.summary and all(w in STOPWORDS or w in _WHOLE for w in rest)

    @property
    def search_text(self) -> str:
        """What the dense retriever sees: English questions get their Indonesian words added."""
        return f"{self.text} {' '.join(self.words)}" if self.english else self.text


def clean(text: str) -> str:
    """Collapse whitespace and drop control characters; raise QuestionError when nothing is left."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]|<[^<>]{0,200}>", " ", text or "")
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters
    text = " ".join(text.split())
    if not text:
        raise QuestionError("empty question: type a question about the articles")
    if not re.search(r"\w", text):
        raise QuestionError(f"no words in {text[:20]!r}: type a question about the articles in words")
    return text


def _content(text: str, english: bool) -> list[list[str]]:
    """Per content word, its Indonesian words (translations for English). An English word
    written with a capital inside the question may be part of a name ("Air France"), so it
    is also looked for untranslated; a name keeps its spelling ("Harry" is no "hari")."""
    acronyms = _acronyms(text)
    tokens = words(_EN_POSSESSIVE.sub("", text) if english else text)

    def kept(w: str) -> bool:
        return w not in STOPWORDS or w in acronyms

    if not english:
        return [[w for w in synonyms(t) if kept(w)] for t in tokens if kept(t)]
    names = frozenset(words(" ".join(re.findall(r"(?<=\s)[A-Z][\w'-]*", text))))
    content = []
    for unit in english_units(tokens):
        if not any(kept(word) for word in unit.split()):
            continue
        own = [unit] if unit in names and unit not in STOPWORDS else []
        foreign = borrowed_spellings(unit) if unit in names else set()
        for group in translation_groups(unit):
            content.append(list(dict.fromkeys(own + [w for w in group if kept(w) and w not in foreign])))
    return content


def _acronyms(text: str) -> frozenset[str]:
    """Lowercase forms of the all-capital words of a question not written in capitals throughout:
    an acronym ("AS") is a name even when its letters spell a function word."""
    return frozenset(a.lower() for a in re.findall(r"\b[A-Z]{2,}\b", text)) if not text.isupper() else frozenset()


def _forms(word: str, english: bool) -> tuple[str, ...]:
    """The stems a word may match. A translation is often a bare root the stemmer mistakes
    for a prefixed word ("ketua" -> "tua", though "diketuai" -> "ketua"), so for English
    questions the word itself also counts when the stemmer cut only its start."""
    forms = variants(word)
    if english and forms[0] != word and word.endswith(forms[0]):
        forms += (word,)
    return forms


def _stem_groups(content: list[list[str]], english: bool = False) -> list[tuple[str, ...]]:
    """Per word, the distinct stems of all its forms, duplicates dropped."""
    groups: list[tuple[str, ...]] = []
    for group in content:
        stems = tuple(dict.fromkeys(v for w in group for v in _forms(w, english)))
        if stems and stems not in groups:
            groups.append(stems)
    return groups


def _lent(context: str, reply: str, own: list[tuple[str, ...]], names: set[str]) -> tuple[list, list]:
    """The word groups an earlier question and its answer lend a follow-up. When the follow-up
    names someone new ("Lalu Xi?"), the new name replaces the earlier question's names, and the
    earlier answer, which was about them, lends nothing."""
    english = looks_english(context or reply)
    lent = _stem_groups(_content(context, english), english) if context else []
    answer = _stem_groups(_content(reply, english), english) if reply else []
    earlier = {stem(w) for w in words(f"{context} {reply}")}
    new = {g[0] for g in own} & ({stem(n) for n in names} - earlier)
    if not new:
        return lent, answer
    named = {stem(w.lower()) for w in _PROPER.findall(context)}
    return [g for g in lent if not named & set(g)], []


def parse_question(text: str, context: str = "", reply: str = "") -> Question:
    """Analyse a question. `context`, the earlier question a follow-up leans on, and `reply`,
    the answer it got, lend their words to the search."""
    text = clean(text)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"question too long ({len(text):,} characters): ask it in under {MAX_QUESTION_CHARS:,}"
        )
    # A bare "Yuri Ushakov?" has no function words: keep the conversation's language.
    known = any(t in STOPWORDS for t in words(text))
    english = looks_english(text if known or not context else context)
    body = _OPENER.sub("", text)
    content = _content(body, english)
    own = _stem_groups(content, english)
    names = {w.lower() for w in _PROPER.findall(f" {body}")}
    borrowed, answer = _lent(context, reply, own, names) if context or reply else ([], [])
    return Question(
        text=text,
        english=english,
        words=tuple(dict.fromkeys(w for g in content for w in g)),
        groups=tuple(own),
        context=tuple(g for g in borrowed if g not in own),
        reply=tuple(g for g in answer if g not in own and g not in borrowed),
    )
