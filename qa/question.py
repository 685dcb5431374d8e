"""Understand a question: its language, the type of answer it wants, and its search terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from .lexicon import (
    EN_STOPWORDS,
    IRREGULAR,
    borrowed_spellings,
    english_units,
    looks_english,
    synonyms,
    translate_terms,
    translation_groups,
)
from .spans import is_place
from .units import CLASSIFIERS, SKIP_WORDS, asked_measure, unparticled
from .text import STOPWORDS, stem, terms, variants, words

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
        # "When ...?", "According to X, when ...?" ask for a date; "the era that began when"
        # does not.
        ("date", r"(^|[,;:]\s*)((and|but|so|then|since|until|till|from) )?when\b"
                 r"|\b(what|which) (date|day|year|month|time)\b|\bin what year\b|\bkapan(kah)?\b"
                 r"|\b(tanggal|tahun|bulan|hari|pukul|jam) (apa|berapa)(kah)?\b|\bberapa(kah)? tanggal\b"),
        ("quantity", r"\bhow (many|much|high|tall|far|deep|wide|big|large|heavy|old|fast|often)\b"
                     r"|\bwhat (number|percentage|amount|share)\b|\bberapa\w*\b"
                     r"|\bwhat (is|was|are|were) the (\w+ )?(area|population|length|height|distance"
                     r"|size|price|cost|value|amount|total|depth|width|weight|age|salary|budget"
                     r"|number|rate|speed|temperature|capacity|volume)\b"),
        ("person", r"\bwho(m|se)?\b|\bsiapa(kah)?\b"),
        ("location", r"\bwhere\b|\b(which|what) (city|country|place|province|island|region|town|state|venue)\b"
                     r"|\b(di|ke|dari) ?mana(kah)?\b|\b(kota|negara|provinsi|pulau|daerah|wilayah|tempat"
                     r"|kabupaten|desa|kecamatan|lokasi|benua|negeri)\s+(apa|mana)(kah)?\b"),
        ("organization", r"\b(which|what) (company|organi[sz]ation|group|party|agency|institution|ministry"
                         r"|team|club|firm|body|news agency|agency)\b|\b(perusahaan|organisasi|kelompok|partai|lembaga|instansi|kantor berita"
                         r"|badan|klub|tim|kementerian|departemen|media|bank|universitas)\s+(apa|mana)(kah)?\b"),
        ("reason", r"\bwhy\b|\b(mengapa|kenapa)\b|\b(apa|what) (alasan|sebab|penyebab|reason|cause)\b"),
        # "jumlah" asks for a number only when no question word asks for something else
        # ("Siapa yang mencatat jumlah ...").
        ("quantity", r"\bjumlah\b"),
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
    "expansion": {"stand", "stands", "short"},  # "What does PBB stand for?"
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

    @cached_property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for group in self.search_groups for t in group))

    @cached_property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Stems of neighbouring content words of an Indonesian question, as written."""
        if self.english:
            return frozenset()
        stems = terms(words(self.text))
        return frozenset(zip(stems, stems[1:]))

    @cached_property
    def role(self) -> tuple[tuple[str, ...], ...]:
        """Stems of the role an Indonesian "Siapa(kah) <role>?" asks to fill, per content word:
        "Siapa Kepala Balai sekarang?" -> kepala, balai. Empty for other questions."""
        m = None if self.english else _ROLE.match(self.text)
        if not m:
            return ()
        out = []
        for word in words(m["r"]):
            if word in _ROLE_END:
                break
            if word not in STOPWORDS:
                out.append(variants(word))
        return tuple(out)

    @property
    def search_groups(self) -> tuple[tuple[str, ...], ...]:
        """The question's own word groups, then those lent by the conversation: the earlier
        question's, then its answer's."""
        return self.groups + self.context + self.reply

    @cached_property
    def measure(self) -> str:
        """What a quantity question asks to measure ("length", "money", "age" ...), or "" for
        a count or another kind of question."""
        return asked_measure(self.text, self.english) if self.kind == "quantity" else ""

    @property
    def elapsed(self) -> bool:
        """Whether a duration question asks for the time since an event ("how long after ...")."""
        return self.kind == "duration" and bool(_ELAPSED.search(self.text))

    @property
    def search_text(self) -> str:
        """What the dense retriever sees: English questions get their Indonesian words added."""
        return f"{self.text} {' '.join(self.words)}" if self.english else self.text


# "Siapa(kah) [nama] <role> ...": the role a name is asked for, up to a clause or the end.
_ROLE = re.compile(r"\s*siapa(?:kah)?\s+(?:nama\s+)?(?P<r>[^?,.;:!]+)", re.IGNORECASE)
# Words that end the role phrase: a relative clause or a time ("yang ...", "sekarang").
_ROLE_END = frozenset("yang sekarang kini saat ini itu tersebut adalah ketika".split())


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


_PERSON_HEADS = frozenset(
    """dosen murid mahasiswa siswa pelajar guru pemain pembalap pengemudi atlet pelatih penyanyi
    aktor aktris artis penulis wartawan pejabat tokoh pemimpin pendiri peneliti ilmuwan dokter
    hakim jaksa pengacara tersangka pemenang sutradara pelukis seniman putra putri istri
    suami""".split()
)
_KNOWN_HEADS = _PLACE_HEADS | _ORG_HEADS | _TITLE_WORDS | _PERSON_HEADS
# "What is the name of the party ...", "What type of aircraft ...": the noun after "of" is
# asked for.
_EN_NAME_OF = re.compile(
    r"\b(?:what|which)\s+(?:(?:is|was|are|were)\s+the\s+)?(?:name|type|kind|sort)s?\s+of\s+"
    r"(?:the\s+|an?\s+)?",
    re.IGNORECASE,
)
_EN_WHICH = re.compile(
    r"\b(?:which|what|how\s+(?:many|much))\s+(?P<det>(?:of\s+)?(?:the\s+)?)(?P<np>[^?.,;:!]+)",
    re.IGNORECASE,
)
_EN_WHAT_IS = re.compile(r"\bwhat\s+(?:is|was|are|were)\s+the\s+(?P<np>[^?.,;:!]+)", re.IGNORECASE)
# "What is the era that began ...": a relative clause says the noun itself is asked for.
_EN_RELATIVE = frozenset("that which who whose".split())
_EN_POSSESSIVE = re.compile(r"['’]s\b")
_EN_WORD = re.compile(r"\w+(?:['’]s\b)?")
_IRREGULAR_NOUNS = frozenset("children crises feet men women".split())


def _verb_form(word: str) -> bool:
    """Whether a lowercase English word looks like a past form ("claimed", "led")."""
    return word.endswith("ed") or (word in IRREGULAR and word not in _IRREGULAR_NOUNS)


def _noun_phrase(text: str, possessor_asked: bool = False) -> tuple[list[str], str]:
    """The lowercase words (multiword expressions joined) of an English noun phrase after any
    possessor (or up to it, when the question word asks for the possessor), up to its first
    function word or verb form, and that word: "Renault (France) driver has won ..." ->
    (["renault", "france", "driver"], "has")."""
    phrase: list[str] = []
    for token in _EN_WORD.findall(text.lower()):
        word = _EN_POSSESSIVE.sub("", token)
        if word in EN_STOPWORDS or _verb_form(word):
            return english_units(phrase), word
        if word != token and possessor_asked:
            return english_units(phrase + [word]), ""  # "Which federation's flag": the federation
        # "the president's son": the possessor only says whose; the noun follows.
        phrase = [] if word != token else phrase + [word]
    return english_units(phrase), ""


def _head_noun(phrase: list[str], known_only: bool = False) -> str:
    """The Indonesian noun a phrase names: its last word that translates to a known kind of
    head ("lecturer" in "veterinary medicine lecturer"), else its last word's translation."""
    translations = [[t for t in translate_terms([word]) if t not in STOPWORDS] for word in phrase]
    translations = [options for options in translations if options]
    for options in reversed(translations):
        if known := [t for t in options if t in _KNOWN_HEADS]:
            return known[0]
    return "" if known_only or not translations else translations[-1][0]


def _english_head(text: str) -> str:
    """The Indonesian noun an English question asks about ("Which lake ..." -> "danau"), or ""."""
    text = _EN_NAME_OF.sub("which of ", text)
    m = _EN_WHICH.search(text)
    if head := _head_noun(_noun_phrase(m["np"], possessor_asked=not m["det"])[0]) if m else "":
        return head
    # "What is the capital of ...": only a noun that says what kind of answer is wanted, or
    # one a relative clause defines.
    m = _EN_WHAT_IS.search(text)
    if not m:
        return ""
    phrase, following = _noun_phrase(m["np"])
    return _head_noun(phrase, known_only=following not in _EN_RELATIVE)


def _counted(text: str) -> str:
    """The noun a "berapa" question counts or measures, from the words after "berapa": particles
    dropped ("tahunkah" -> "tahun"), "jumlah"/"banyak" skipped, and a classifier skipped when a
    noun follows it ("berapa orang pelukis" -> "pelukis", "berapa orang Indonesia" -> "orang")."""
    classifier = ""
    for token in text.split()[:4]:
        word = unparticled(token.lower().strip(",.?!;:()"))
        if word in SKIP_WORDS:
            continue
        if word in STOPWORDS or not token[:1].islower():
            break  # "berapa yang ...", "berapa banyak Ani ...": no noun
        if word in CLASSIFIERS and not classifier:
            classifier = word
            continue
        return word
    return classifier


def _head(text: str, english: bool = False) -> str:
    """The lowercase (Indonesian) noun the question asks about, or ""."""
    if english:
        return _english_head(text)
    for m in _HEAD.finditer(text):
        word = (m["a"] or m["b"]).lower()
        if m["a"] and m.group().lower().startswith("berapa"):
            word = _counted(text[m.start("a"):])
        if word not in STOPWORDS and word not in _TYPE_WORDS["quantity"]:
            return word
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
    english = looks_english(text)
    head = _head(text, english)
    if head in _PLACE_HEADS:
        return "location"
    if head in _ORG_HEADS:
        return "organization"
    if english and head in _TITLE_WORDS | _PERSON_HEADS:
        return "person"  # "Which ... lecturer", "What is the name of the minister ..."
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


def _content(
    tokens: list[str],
    english: bool,
    kind: str,
    names: frozenset[str] = frozenset(),
    acronyms: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """Per content word, its Indonesian words (translations for English). An English word
    written with a capital inside the question may be part of a name ("Air France"), so it
    is also looked for untranslated. An acronym ("AS") is a name even when its letters spell
    a function word."""
    skip = (STOPWORDS | _TYPE_WORDS.get(kind, set())) - acronyms

    def kept(w: str) -> bool:
        return w not in STOPWORDS or w in acronyms

    if not english:
        return [[w for w in synonyms(t) if kept(w)] for t in tokens if t not in skip]
    content = []
    for unit in english_units(tokens):
        if all(word in skip for word in unit.split()):
            continue
        own = [unit] if unit in names and unit not in STOPWORDS else []
        # A name keeps its spelling: "Harry" is no borrowed "hari" (day).
        foreign = borrowed_spellings(unit) if unit in names else set()
        for group in translation_groups(unit):
            content.append(list(dict.fromkeys(own + [w for w in group if kept(w) and w not in foreign])))
    return content


def _acronyms(text: str) -> frozenset[str]:
    """Lowercase forms of the all-capital words of a question not written in capitals throughout."""
    return frozenset(a.lower() for a in re.findall(r"\b[A-Z]{2,}\b", text)) if not text.isupper() else frozenset()


def _tokens(text: str, english: bool) -> list[str]:
    """The question's lowercase words; English possessives ("Indonesia's") lose their "s"."""
    return words(_EN_POSSESSIVE.sub("", text) if english else text)


def _capitalised(text: str) -> frozenset[str]:
    """Lowercase words written with a capital after the question's first word."""
    return frozenset(words(" ".join(re.findall(r"(?<=\s)[A-Z][\w'-]*", text))))


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


# A follow-up may open with a word that only links it to the conversation ("Lalu Xi?").
_OPENER = re.compile(
    r"^\s*(and|so|then|what about|how about|dan|lalu|terus|kalau|bagaimana dengan)\b[\s,]*",
    re.IGNORECASE,
)
# Capitalised words inside a sentence (not its first word) are names; "'s" is no part of one.
_PROPER = re.compile(r"(?<=\s)(?<![.?!]\s)[A-Z][\w-]*?(?=['’]s\b|[^\w-]|$)")


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


def _reply_names(reply: str) -> set[str]:
    """Lowercase names in an earlier answer. Its first word is capitalised anyway, so it counts
    only when another capitalised word follows it or it is the whole answer ("Xi [1].")."""
    names = {w.lower() for w in _PROPER.findall(reply)}
    tokens = reply.split()
    first = words(tokens[0]) if tokens else []
    if first and tokens[0][:1].isupper() and (len(first) == len(words(reply)) or tokens[1][:1].isupper()):
        names.add(first[0])
    return names


def _lend(
    context: str, reply: str, own: list[tuple[str, ...]], names: set[str]
) -> _Lent:
    """The words an earlier question and its answer lend a follow-up. When the follow-up names
    someone new ("Lalu Xi?", "What about Putin? ..."), the new name replaces the earlier names
    of its sort (person or place), and the earlier answer, which was about them, lends nothing.
    `names`: the follow-up's capitalised words, lowercase."""
    if not context and not reply:
        return _Lent([], [])
    earlier_english = looks_english(context or reply)
    lent = (_content(_tokens(context, earlier_english), earlier_english, answer_type(context), _capitalised(context))
            if context else [])
    answer = _content(_tokens(reply, earlier_english), earlier_english, "other") if reply else []
    earlier = {stem(w) for w in words(f"{context} {reply}")}
    proper = {stem(n) for n in names}
    new = {g[0] for g in own} & (proper - earlier)
    if not new:
        return _Lent(lent, answer)
    places = any(is_place(n) for n in names if stem(n) in new)  # "perancis" stems to "ancis"
    asked = {w.lower() for w in _PROPER.findall(context) if is_place(w) == places}
    named = asked | {w for w in _reply_names(reply) if is_place(w) == places}
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
    kind = answer_type(text)
    if kind == "other" and context and not _ASKS.search(body):
        kind = answer_type(context)  # "And Xi?" asks what the previous question asked
    content = _content(_tokens(body, english), english, kind, _capitalised(text), _acronyms(text))
    own = _stem_groups(content, english)
    names = {w.lower() for w in _PROPER.findall(text)}
    proper = {stem(w) for w in names}
    lent = _lend(context, reply, own, names)
    if lent.for_answer and kind in ("person", "organization", "location", "name"):
        # "Siapa yang menyebut ...? Vladimir Putin." "Lalu Xi?": the new name takes the answer's
        # place, so the follow-up asks what Xi said or did about the same thing.
        kind = "other"
    borrowed = _stem_groups(lent.question, looks_english(context))
    return Question(
        text=text,
        english=english,
        kind=kind,
        words=tuple(dict.fromkeys(w for g in content + lent.question + lent.answer for w in g)),
        groups=tuple(own),
        context=tuple(g for g in borrowed if g not in own),
        reply=tuple(g for g in _stem_groups(lent.answer, looks_english(context or reply))
                    if g not in own and g not in borrowed),
        proper=frozenset(proper),
        head=_head(text, english),
        required=tuple(own) if lent.swapped else (),
        replaced=lent.replaced,
    )
