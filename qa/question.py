"""Understand a question: its language, the type of answer it wants, and its search terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import looks_english, synonyms, translate_terms
from .spans import is_place
from .text import STOPWORDS, stem, variants, words

MAX_QUESTION_CHARS = 1000

# (answer type, pattern) in priority order; English and Indonesian side by side.
_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        # "Apa kepanjangan dari JICA?" asks for what an acronym stands for.
        ("expansion", r"\b(kepanjangan|singkatan|stands? for|short for)\b"),
        # "Who is Yuri Ushakov?" asks for a description of a named person.
        ("identity", r"^(who|siapa(kah)?)\s+(is|was|are|were|itu|adalah|sebenarnya)?\s*(?-i:[A-Z][\w'.-]*)(\s+(?-i:[A-Z][\w'.-]*)){0,3}\s*\??$"),
        ("date", r"\bhow long ago\b"),
        ("duration", r"\bhow long\b|\bberapa lama(nya|kah)?\b|\bfor how many (hours|minutes|days|weeks|months|years)\b"),
        ("date", r"\bwhen\b|\b(what|which) (date|day|year|month|time)\b|\bin what year\b|\bkapan(kah)?\b"
                 r"|\b(tanggal|tahun|bulan|hari|pukul|jam) (apa|berapa)(kah)?\b|\bberapa(kah)? tanggal\b"),
        ("quantity", r"\bhow (many|much)\b|\bwhat (number|percentage|amount|share)\b|\bberapa\w*\b|\bjumlah\b"),
        ("person", r"\bwho(m|se)?\b|\bsiapa(kah)?\b"),
        ("location", r"\bwhere\b|\b(which|what) (city|country|place|province|island|region|town|state|venue)\b"
                     r"|\b(di|ke|dari) ?mana(kah)?\b|\b(kota|negara|provinsi|pulau|daerah|wilayah|tempat"
                     r"|kabupaten|desa|kecamatan|lokasi|benua|negeri)\s+(apa|mana)(kah)?\b"),
        ("organization", r"\b(which|what) (company|organi[sz]ation|group|party|agency|institution|ministry"
                         r"|team|club|firm|body|news agency|agency)\b|\b(perusahaan|organisasi|kelompok|partai|lembaga|instansi|kantor berita"
                         r"|badan|klub|tim|kementerian|departemen|media|bank|universitas)\s+(apa|mana)(kah)?\b"),
        ("reason", r"\bwhy\b|\b(mengapa|kenapa)\b|\b(apa|what) (alasan|sebab|penyebab|reason|cause)\b"),
    )
)

# Words that ask how someone reacted ("How did Beijing respond?", "Apa tanggapan Putin?"); the
# answer is the sentence reporting the reaction. Checked after every other type, so "Who
# responded ..." still asks for a person.
_REACTION_WORDS = frozenset(
    """respond responds responded responding response responses react reacts reacted reaction
    reactions reply replies replied answer answered retort retorted tanggapan tanggapannya
    menanggapi ditanggapi jawaban jawabannya menjawab dijawab merespons merespon direspons
    respons responsnya reaksi reaksinya bereaksi membalas dibalas balasan balasannya""".split()
)


# Question words: a follow-up with one of these asks its own kind of question.
_ASKS = re.compile(
    r"\b(what|when|where|who|whom|whose|why|how|which|apa|kapan|mana|dimana|siapa|mengapa|kenapa"
    r"|bagaimana|berapa)\w*\b",
    re.IGNORECASE,
)


# "How long after the invasion ...", "Berapa lama setelah ...": the time since an event.
_ELAPSED = re.compile(
    r"\b(how long|berapa lama)\b.*\b(after|since|before|ago|sejak|setelah|sesudah|sebelum|usai)\b",
    re.IGNORECASE,
)


class QuestionError(ValueError):
    """A question that cannot be asked; the message says what to do."""


# Words that only say what type of answer is wanted ("how long", "berapa lama").
_TYPE_WORDS = {
    # "How long after the start of the war": the start only marks where the time is counted from.
    "duration": {"long", "last", "lasted", "lasting", "took", "take", "lama", "lamanya",
                 "start", "started", "begin", "began", "beginning", "outbreak", "awal", "mulai", "dimulai"},
    "quantity": {"many", "much", "banyak", "jumlah", "jumlahnya"},
    "date": {"date", "day", "year", "month", "time", "tanggal", "tahun", "bulan", "hari",
             "take", "took", "taken", "place", "happen", "happened", "occur", "occurred"},
    "organization": {"company", "organization", "organisation", "group", "party", "agency", "news",
                     "institution", "perusahaan", "organisasi", "kelompok", "partai", "lembaga",
                     "kantor", "berita", "badan"},
    "location": {"city", "country", "place", "province", "island", "region", "town", "kota",
                 "negara", "tempat", "provinsi", "pulau", "daerah", "wilayah"},
    "reaction": set(_REACTION_WORDS),
}


@dataclass(frozen=True)
class Question:
    """A parsed question: `groups` holds, per content word, its stemmed Indonesian forms (an
    English word's translations share a group); `terms` flattens them for BM25."""

    text: str
    english: bool
    kind: str
    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    context: tuple[tuple[str, ...], ...] = ()
    reply: tuple[tuple[str, ...], ...] = ()
    proper: frozenset[str] = frozenset()
    head: str = ""
    required: tuple[tuple[str, ...], ...] = ()
    replaced: frozenset[str] = frozenset()

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for group in self.search_groups for t in group))

    @property
    def search_groups(self) -> tuple[tuple[str, ...], ...]:
        """The question's own word groups, then those lent by the conversation: the earlier
        question's, then its answer's."""
        return self.groups + self.context + self.reply

    @property
    def elapsed(self) -> bool:
        """Whether a duration question asks for the time since an event ("how long after ...")."""
        return self.kind == "duration" and bool(_ELAPSED.search(self.text))

    @property
    def search_text(self) -> str:
        """What the dense retriever sees: English questions get their Indonesian words added."""
        return f"{self.text} {' '.join(self.words)}" if self.english else self.text


# The noun a question asks about: "Sungai apakah ...", "Apa nama danau ...", "Berapa dosen ...".
_HEAD = re.compile(
    r"\b(?:apa(?:kah)?\s+nama|siapa(?:kah)?\s+nama|berapa(?:kah)?|which|what)\s+(?:(?-i:[A-Z])\w*\s+){0,3}(?P<a>\w+)"
    r"|\b(?P<b>\w+)\s+(?:apa(?:kah)?|mana(?:kah)?)\b",
    re.IGNORECASE,
)
_TITLE_WORDS = frozenset(
    """presiden menteri gubernur bupati wali walikota ketua direktur kepala jenderal panglima
    sekretaris juru pelatih kapten president minister governor mayor director chief chairman
    head secretary spokesman coach captain""".split()
)
_PLACE_HEADS = frozenset(
    """kota negara pulau provinsi propinsi kabupaten desa kecamatan sungai danau gunung pantai
    bandara pelabuhan benua wilayah daerah kawasan situs""".split()
)
_ORG_HEADS = frozenset(
    """perusahaan organisasi kelompok partai lembaga instansi badan klub tim maskapai bank
    universitas kementerian departemen yayasan""".split()
)


def _head(text: str, english: bool = False) -> str:
    """The lowercase (Indonesian) noun the question asks about, or ""."""
    for m in _HEAD.finditer(text):
        word = (m["a"] or m["b"]).lower()
        if word not in STOPWORDS and word not in _TYPE_WORDS["quantity"]:
            return (translate_terms([word]) or [word])[0] if english else word
    return ""


def _asks_reaction(text: str) -> bool:
    """Whether the question asks for a reaction: a reaction word that is not just a modifier
    ("... sebagai tanggapan atas ...", "in response to ...")."""
    tokens = words(text)
    return any(
        t in _REACTION_WORDS and not (i and tokens[i - 1] in ("sebagai", "in", "a"))
        for i, t in enumerate(tokens)
    )


def answer_type(text: str) -> str:
    """The answer type a question asks for, or "other"."""
    for kind, pattern in _TYPES:
        if pattern.search(text):
            if kind == "identity" and any(w.lower() in _TITLE_WORDS for w in text.split()):
                return "person"  # "Siapa Menteri Luar Negeri Korea Selatan?" asks for a name
            return kind
    head = _head(text)
    if head in _PLACE_HEADS:
        return "location"
    if head in _ORG_HEADS:
        return "organization"
    if _asks_reaction(text):
        return "reaction"
    return "name" if head else "other"


def clean(text: str) -> str:
    """Collapse whitespace and drop control characters; raise QuestionError when nothing is left."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]|<[^<>]{0,200}>", " ", text or "")
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters
    text = " ".join(text.split())
    if not re.search(r"\w", text):
        raise QuestionError("empty question: type a question about the articles")
    return text


def _content(tokens: list[str], english: bool, kind: str) -> list[list[str]]:
    """Per content word, its Indonesian words (translations for English)."""
    skip = STOPWORDS | _TYPE_WORDS.get(kind, set())
    return [
        [w for w in (translate_terms([t]) if english else synonyms(t)) if w not in STOPWORDS]
        for t in tokens
        if t not in skip
    ]


def _stem_groups(content: list[list[str]]) -> list[tuple[str, ...]]:
    """Per word, the distinct stems of all its forms, duplicates dropped."""
    groups: list[tuple[str, ...]] = []
    for group in content:
        stems = tuple(dict.fromkeys(v for w in group for v in variants(w)))
        if stems and stems not in groups:
            groups.append(stems)
    return groups


# A follow-up may open with a word that only links it to the conversation ("Lalu Xi?").
_OPENER = re.compile(
    r"^\s*(and|so|then|what about|how about|dan|lalu|terus|kalau|bagaimana dengan)\b[\s,]*",
    re.IGNORECASE,
)
# Capitalised words inside a sentence (not its first word) are names; "'s" is no part of one.
_PROPER = re.compile(r"(?<=\s)(?<![.?!]\s)[A-Z][\w-]*?(?=['’]s\b|[^\w-]|$)")
_NAME = re.compile(r"\b[A-Z][\w-]*")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")


@dataclass(frozen=True)
class _Lent:
    """What an earlier turn lends a follow-up: the question's words, the answer's words, and
    whether the follow-up only swaps in another name, and if so whether that name takes the
    earlier answer's place rather than a name of the earlier question."""

    question: list[list[str]]
    answer: list[list[str]]
    swapped: bool = False
    for_answer: bool = False
    replaced: frozenset[str] = frozenset()


def _lend(
    context: str, reply: str, own: list[tuple[str, ...]], proper: set[str]
) -> _Lent:
    """The words an earlier question and its answer lend a follow-up. When the follow-up names
    someone new ("Lalu Xi?", "What about Putin? ..."), the new name replaces the earlier names
    of its sort (person or place), and the earlier answer, which was about them, lends nothing."""
    if not context and not reply:
        return _Lent([], [])
    if looks_english(context):
        context = _POSSESSIVE.sub("", context)
    lent = _content(words(context), looks_english(context), answer_type(context)) if context else []
    answer = _content(words(reply), looks_english(context or reply), "other") if reply else []
    earlier = {stem(w) for w in words(f"{context} {reply}")}
    new = {g[0] for g in own} & (proper - earlier)
    if not new:
        return _Lent(lent, answer)
    places = any(is_place(n) for n in new)
    asked = {w.lower() for w in _PROPER.findall(context) if is_place(w) == places}
    named = asked | {w.lower() for w in _NAME.findall(reply) if is_place(w) == places}
    lent = [group for group in lent if not named & set(group)]
    swapped = all(g[0] in proper for g in own)
    replaced = frozenset(stem(n) for n in named) - new
    return _Lent(lent, [], swapped, swapped and not asked and bool(named), replaced)


def parse_question(text: str, context: str = "", reply: str = "") -> Question:
    """Analyse a question. `context`, the earlier question a follow-up leans on, lends its
    words (and its answer type when the follow-up names none); `reply`, the answer it got,
    lends its words at a lower weight."""
    text = clean(text)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"question too long ({len(text):,} characters): ask it in under {MAX_QUESTION_CHARS:,}"
        )
    # A bare "Yuri Ushakov?" has no function words: keep the conversation's language.
    known = any(t in STOPWORDS for t in words(text))
    english = looks_english(text if known or not context else context)
    body = _OPENER.sub("", text)
    if english:
        body = _POSSESSIVE.sub("", body)
    kind = answer_type(text)
    if kind == "other" and context and not _ASKS.search(body):
        kind = answer_type(context)  # "And Xi?" asks what the previous question asked
    content = _content(words(body), english, kind)
    own = _stem_groups(content)
    proper = {stem(w.lower()) for w in _PROPER.findall(text)}
    lent = _lend(context, reply, own, proper)
    if lent.for_answer and kind in ("person", "organization", "location", "name"):
        # "Siapa yang menyebut ...? Vladimir Putin." "Lalu Xi?": the new name takes the answer's
        # place, so the follow-up asks what Xi said or did about the same thing.
        kind = "other"
    borrowed = _stem_groups(lent.question)
    return Question(
        text=text,
        english=english,
        kind=kind,
        words=tuple(dict.fromkeys(w for g in content + lent.question + lent.answer for w in g)),
        groups=tuple(own),
        context=tuple(g for g in borrowed if g not in own),
        reply=tuple(g for g in _stem_groups(lent.answer) if g not in own and g not in borrowed),
        proper=frozenset(proper),
        head=_head(text, english),
        required=tuple(own) if lent.swapped else (),
        replaced=lent.replaced,
    )
