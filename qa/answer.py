"""The extractive answerer: pick the supporting sentence, extract the typed span, cite it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from index.chunks import split_sentences

from .align import bordering, gap
from .question import Question
from .render import render
from .retrieve import Chunk
from .spans import Span, find_spans
from .units import BARE_OK, value_measure
from .text import STOPWORDS, stem, terms, words

FOUND_THRESHOLD = 0.4
# Term-by-term translation misses words, so English questions match less of the evidence.
FOUND_THRESHOLD_EN = 0.35
# A further citation needs this share of the best sentence's coverage.
SUPPORT_RATIO = 0.4
# Typed values whose disagreement between articles is worth reporting.
_COMPARABLE = frozenset({"date", "duration", "quantity", "person", "organization", "location"})
# Values shown inside their whole sentence: a reaction needs to say who reacted to what.
_QUOTED = frozenset({"reaction"})
# Share of content words two sentences must have in common to count as the same event.
SAME_EVENT_OVERLAP = 0.25
# How much the retriever's fused score (relative to the top chunk) adds to a sentence's score.
RETRIEVAL_WEIGHT = 0.1
# An open question's phrase answers only from a sentence with this share of the best coverage.
OPEN_PHRASE_RATIO = 0.7
MAX_CITATIONS = 5
# How many of the best-matching sentences are searched for a typed value.
SPAN_POOL = 10
# How much each question word bordering a candidate value adds to its fit.
ALIGN_WEIGHT = 0.25
# What a sentence holding a value of the asked type gains: a base plus its fit (0..~2).
SPAN_BONUS = 0.1
SPAN_FIT_WEIGHT = 0.5
# How many sentences on each side are a sentence's context, and what a question word found
# only there counts for.
CONTEXT_REACH = 1
CONTEXT_WEIGHT = 0.65
# How much a quantity's unit fitting the question (-1..1) adds to its fit.
UNIT_WEIGHT = 0.5
# A quantity question with no value in its relevant sentences takes one from a sentence with
# this share of the relevance threshold whose value fits this well.
NEAR_RATIO = 0.6
NEAR_FIT = 1.0
# How much sharing the question's word pairs adds to a sentence's score.
PHRASE_WEIGHT = 0.5
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
    disagreement: bool = False

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "text": self.text,
            "found": self.found,
            "kind": self.kind,
            "value": self.value,
            "disagreement": self.disagreement,
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
    fit: float = 0.0


def not_found(question: Question) -> Answer:
    return Answer(NOT_FOUND[question.english], False, kind=question.kind)


def _coverage(
    question: Question, stems: set[str], idf: Callable[[str], float],
    before: set[str] = frozenset(), before_weight: float = 0.5,
) -> float:
    """IDF-weighted share of the question's words (any translation counts) found in `stems`;
    words found only in `before` (the neighbouring sentences) count `before_weight`, as context. A word the
    corpus never uses weighs as much as the rarest one (a name twice as much), so it lowers
    coverage. Words lent by the earlier question count half, by its answer a quarter."""
    unseen = max((idf(t) for t in question.terms), default=1.0)
    total = matched = 0.0
    worded = False  # a bare number ("1" in "alert(1)") is no evidence on its own
    own_count, lent_count = len(question.groups), len(question.groups) + len(question.context)
    for n, group in enumerate(question.search_groups):
        # The floor keeps common words (a name in every chunk) from counting for nothing.
        known = max(idf(t) for t in group)
        proper = group[0] in question.proper
        # A name the articles never mention is the surest sign they do not hold the answer.
        weight = 0.5 + (known or (2 * unseen if proper else unseen))
        weight *= 2 if proper else 1
        weight *= 1 if n < own_count else 0.5 if n < lent_count else 0.25
        total += weight
        if any(t in stems for t in group):
            matched += weight
            worded = worded or not group[0].isdigit()
        elif any(t in before for t in group):
            matched += weight * before_weight
    return matched / total if total and worded else 0.0


# Verbs that report how someone reacted; the answer to "How did X respond?" is the sentence
# with one, often the sentence right after the one that matches the question's words.
_RESPONSE_VERBS = frozenset(
    """membantah dibantah bantahan menolak ditolak penolakan menyambut disambut sambutan
    mengecam dikecam kecaman menegaskan ditegaskan menanggapi ditanggapi tanggapan merespons
    merespon direspons direspon respons menjawab dijawab jawaban membalas dibalas balasan
    mengkritik dikritik kritik kritikan memprotes diprotes protes menyangkal disangkal
    menyesalkan disesalkan menyayangkan disayangkan mengutuk dikutuk kutukan menampik ditampik
    menyetujui disetujui mengapresiasi diapresiasi bereaksi reaksi denied denies deny rejected
    rejects welcomed welcomes condemned condemns criticized criticised responded replied
    protested dismissed""".split()
)


def _response(text: str, start: int, end: int) -> Span | None:
    """The reaction a sentence reports: from its first response verb to the end of the clause."""
    for m in re.finditer(r"\w+", text[start:end]):
        if m.group().lower().removesuffix("nya") in _RESPONSE_VERBS:
            rest = text[start + m.start() : end].rstrip(" .;:\n")
            return Span(start + m.start(), start + m.start() + len(rest), "reaction", rest)
    return None


# Words that refer back to someone named in the sentence before ("Ia menilai ...").
_PRONOUNS = frozenset("ia dia beliau mereka he she they".split())


def _swapped_coverage(
    question: Question, text: str, stems: frozenset[str], before: frozenset[str],
    idf: Callable[[str], float],
) -> float:
    """Coverage for a follow-up that asks the earlier question about another name ("Kalau
    Putin?"): the sentence must name it, or refer back with a pronoun to a sentence that does;
    naming it covers half, the earlier question's words the other half."""
    refers = bool(_PRONOUNS & set(words(text)))
    found = stems | before if refers else stems
    if not any(t in found for group in question.required for t in group):
        return 0.0
    earlier = replace(question, groups=(), required=())
    lent = _coverage(earlier, stems, idf, before if refers else frozenset())
    if not lent:
        return 0.0
    return 0.5 + 0.5 * lent


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


# "Bagaimana X menggambarkan ...", "Apa kata X ...": the answer is what was said, a whole clause
# (only Indonesian questions are lined up with the sentence).
_STATEMENT = re.compile(r"\b(bagaimana|kata|menggambarkan|menyebut\w*|pendapat)\b", re.IGNORECASE)
_SAYS = re.compile(
    r"\b(say|says|said|tell|told|state[sd]?|announce[sd]?|kata|berkata|mengatakan|menyatakan|mengungkapkan"
    r"|menyebut\w*|mengumumkan|menjelaskan)\b",
    re.IGNORECASE,
)
# A quantity's fit when its unit measures something other than what is asked: no answer.
MISMATCH = -1.0
# The fit of a percentage where a count is asked: a share, rarely the number itself.
COUNTED_PERCENT = MISMATCH
# Words that scale a number ("5 juta") rather than name its unit.
_SCALE_WORDS = frozenset("ribu juta miliar milyar triliun thousand million billion".split())
# Words after which the rest of a clause defines what came before ("... adalah ubur-ubur").
_COPULA = re.compile(r"\b(adalah|ialah|yaitu|yakni|merupakan|berupa|bernama|disebut|dinamai)\s+", re.IGNORECASE)


def _continuation(question: Question, text: str, start: int, end: int) -> Span | None:
    """For open "what" questions: the phrase after a copula that follows the question's words."""
    sentence = text[start:end]
    asked = set(question.words)
    for m in _COPULA.finditer(sentence):
        if not asked & set(words(sentence[: m.start()])):
            continue
        phrase = re.match(r"[^,.;:()]+", sentence[m.end() :])
        if phrase and phrase.group().strip():
            value = " ".join(phrase.group().split()[:8])
            s0 = start + m.end()
            return Span(s0, s0 + len(value), "phrase", value)
    return None


def _expansion(question: Question, text: str, start: int, end: int) -> Span | None:
    """What an acronym of the question stands for: "JICA (Japan ... Agency)" or
    "Japan ... Agency (JICA)"."""
    sentence = text[start:end]
    for acronym in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\w*\b", question.text):
        a = re.escape(acronym)
        for pattern in (rf"\b{a}\s*\((?P<v>[^()]{{4,120}})\)",
                        rf"(?P<v>[A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|dan|and|of|for|the|untuk|dari|di|pada)){{1,12}})\s*\({a}\)"):
            m = re.search(pattern, sentence)
            if m:
                return Span(start + m.start("v"), start + m.end("v"), "expansion", m["v"])
    return None


def _unit_fit(question: Question, span: Span, after: str) -> float:
    """How well a quantity's unit fits what the question counts or measures: 1 for the asked
    noun ("berapa dosen" -> "211 dosen") or a unit of the asked measure ("berapa luas" ->
    "700 hektar"), MISMATCH for a unit of another measure ("48 kilometer" for an age), below 0
    for a bare number or another noun where a measure is asked."""
    tokens = span.value.split()
    unit = tokens[-1].lower() if len(tokens) > 1 and not tokens[-1][:1].isdigit() else ""
    following = (after.split()[:1] or [""])[0].lower().strip(",.;:()")
    head, measure = question.head, question.measure
    got = value_measure(span.value, following)
    if not measure and got == "percent":
        return COUNTED_PERCENT  # "berapa penduduk": not "70 persen penduduk"
    if head and stem(head) in (stem(unit), stem(following)):
        return 1.0
    if not measure or measure == "change":
        return 0.0
    if got == measure or measure == "age" and got == "time":
        return 1.0
    if got:
        return MISMATCH
    if measure == "age":
        return 0.5 if re.fullmatch(r"\(?\d{1,3}\)?", span.value) else -0.5  # "Budi Santoso (61)"
    if unit and unit not in _SCALE_WORDS:
        return MISMATCH  # "500 sekolah" is no amount of money
    return -0.5 if measure not in BARE_OK else 0.0


def _pick_span(question: Question, text: str, start: int, end: int) -> tuple[Span | None, float]:
    """The candidate of the wanted type best placed in the sentence, and how well placed it is
    (about 0..3, higher is better): cued by a word like "selama"/"pada", close to and bordered
    by the question's words, of the asked kind and unit."""
    if question.kind == "reason":
        return None, 0.0
    if question.kind == "reaction":
        span = _response(text, start, end)
        return span, 1.0 if span else 0.0
    if question.kind in ("identity", "expansion"):
        span = (_describe if question.kind == "identity" else _expansion)(question, text, start, end)
        return span, 1.0 if span else 0.0
    asked = set(question.words)
    names = {"person", "organization", "location"}
    kinds = names if question.kind in names | {"name", "other"} else {question.kind}
    # "Departemen apakah ...": the asked noun opens the name it asks for ("Departemen Keuangan").
    head = question.head if question.kind in ("location", "organization") else ""
    if question.measure in ("time", "age"):
        kinds = kinds | {"duration"}  # "berapa tahunkah lamanya": "24 tahun"
    candidates = [
        s for s in find_spans(text, start, end, asked, question.elapsed, head, question.kind in ("location", "organization"))
        if s.kind in kinds and not set(words(s.value)) <= asked
    ]
    units = {s: _unit_fit(question, s, text[s.end : end]) for s in candidates} if question.kind == "quantity" else {}
    if units:
        # A value measuring something else ("48 kilometer" for an age) is no answer.
        candidates = [s for s in candidates if units[s] > MISMATCH]
    # Word order is Indonesian, so only an Indonesian question lines up with the sentence.
    if not question.english and (question.kind == "name" or question.kind == "other" and not _STATEMENT.search(question.text)):
        span, score = gap({t for g in question.groups for t in g}, question.head, text, start, end)
        if span and score >= 2:
            return span, min(1.0, score / 4)
    if question.kind == "other" or not candidates and question.kind == "name":
        span = _continuation(question, text, start, end)
        return span, 0.5 if span else 0.0
    if not candidates:
        return None, 0.0
    anchors = [m.start() + start for m in re.finditer(r"\w+", text[start:end]) if m.group().lower() in asked]

    aligned = bordering({t for g in question.groups for t in g}, question.head, text, start, end,
                        question.role, asides=question.kind in names | {"name"})

    def fit(span: Span) -> float:
        distance = min((abs(a - span.start) for a in anchors), default=120)
        # A cue marks its own kind: "di Sleman" is a place, no answer to "who".
        cued = span.cued and (question.kind not in names or span.kind == question.kind)
        score = 0.5 * cued + 0.5 * (1 - min(distance, 120) / 120)
        score += ALIGN_WEIGHT * min(aligned(span.start, span.end), 6)
        if span.kind == "person" and span.cued and _SAYS.search(question.text):
            score += 0.5  # "who said ...": the name before "mengatakan" or after "kata"
        if question.kind in names:
            score -= 0.5 * (span.kind != question.kind)
        score += UNIT_WEIGHT * units.get(span, 0.0)
        if question.head and question.kind in names | {"name"}:
            # "pemimpin Korea Utara Kim Jong Un": the asked-for noun shortly before the name.
            before = words(text[max(start, span.start - 40) : span.start])[-4:]
            score += 0.5 * (question.head in span.value.lower() or question.head in before)
        return score

    fits = {s: fit(s) for s in candidates}
    best = max(candidates, key=fits.__getitem__)
    score = fits[best]
    if best.kind == "location" == question.kind:
        best = _widen_place(best, text, start, asked)
    return best, score


# Prepositions that may stand between an asked verb and the place it happened at.
_PLACE_PREPOSITIONS = frozenset("di ke dari melalui lewat dalam pada via on in at through".split())


def _widen_place(span: Span, text: str, start: int, asked: set[str]) -> Span:
    """A place named by a common noun before the name, right after the question's verb:
    "disiarkan melalui televisi nasional Rusia" -> "televisi nasional Rusia"."""
    stems = {stem(w) for w in asked}
    tokens = list(re.finditer(r"\w+", text[start : span.start]))
    nouns = 0
    while nouns < min(len(tokens), 3):
        word = tokens[-1 - nouns].group()
        if not word.islower() or word in STOPWORDS or _COPULA.fullmatch(f"{word} ") or stem(word) in stems:
            break
        nouns += 1
    rest = [stem(t.group().lower()) for t in tokens[: len(tokens) - nouns][-2:]]
    after_verb = rest[-1:] and rest[-1] in stems or (
        len(rest) == 2 and rest[1] in _PLACE_PREPOSITIONS and rest[0] in stems
    )
    if not nouns or not after_verb:
        return span
    s0 = start + tokens[-nouns].start()
    return replace(span, start=s0, value=text[s0 : span.end])


# Chunks come back question after question: split and stem each sentence once.
@lru_cache(maxsize=20000)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(text))


@lru_cache(maxsize=50000)
def _stems(text: str) -> frozenset[str]:
    return frozenset(terms(words(text)))


def _phrases(question: Question, text: str) -> float:
    """Share of the question's word pairs ("wakil presiden", "kantor pusat") that the sentence
    has side by side: a sentence the question paraphrases keeps its phrases."""
    pairs = question.pairs
    if not pairs:
        return 0.0
    return len(pairs & _pairs(text)) / len(pairs)


@lru_cache(maxsize=50000)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    stems = terms(words(text))
    return frozenset(zip(stems, stems[1:]))


def _sentences(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> list[_Sentence]:
    """Every sentence of the retrieved chunks once, scored for the question."""
    seen: set[tuple[str, int]] = set()
    out: list[_Sentence] = []
    top = max((c.score for c in chunks), default=1.0) or 1.0
    for chunk in chunks:
        base = int(chunk.meta["start"])
        bounds = _sentence_spans(chunk.text)
        stems = [_stems(chunk.text[s:e]) for s, e in bounds]
        for n, (s, e) in enumerate(bounds):
            key = (chunk.meta["article"], base + s)
            if key in seen:
                continue
            seen.add(key)
            text = chunk.text[s:e]
            previous = stems[n - 1] if n else frozenset()
            if question.required:
                coverage = _swapped_coverage(question, text, stems[n], previous, idf)
            elif question.kind == "reaction" and _response(text, 0, len(text)):
                # The reaction answers what the sentence before it reports.
                coverage = _coverage(question, stems[n], idf, previous, before_weight=1.0)
            else:
                # The neighbouring sentences are context: "it", "the organism" point into them.
                around = frozenset().union(*stems[max(0, n - CONTEXT_REACH) : n], *stems[n + 1 : n + 1 + CONTEXT_REACH])
                coverage = _coverage(question, stems[n], idf, around, CONTEXT_WEIGHT)
            if question.replaced & stems[n]:
                coverage /= 2  # also about whom the earlier question asked
            score = coverage + RETRIEVAL_WEIGHT * chunk.score / top + PHRASE_WEIGHT * _phrases(question, text)
            out.append(_Sentence(chunk, base + s, base + e, text, coverage, score))
    return out


def extract(question: Question, chunks: list[Chunk], idf: Callable[[str], float]) -> Answer:
    """Answer `question` from retrieved `chunks`, best supporting sentence first."""
    sentences = sorted(_sentences(question, chunks, idf), key=lambda s: s.score, reverse=True)
    if not sentences:
        return not_found(question)
    # Values are looked for only where an answer can come from: the best-matching sentences.
    # An open question's phrase is weak evidence: only a sentence nearly as much about the
    # question as the best one may answer with it.
    top = max(s.coverage for s in sentences)

    def answers(s: _Sentence) -> bool:
        return s.span is not None and (question.kind != "other" or s.coverage >= OPEN_PHRASE_RATIO * top)

    for sentence in sentences[:SPAN_POOL]:
        base = int(sentence.chunk.meta["start"])
        span, fit = _pick_span(question, sentence.chunk.text, sentence.start - base, sentence.end - base)
        if span:
            sentence.span = replace(span, start=span.start + base, end=span.end + base)
            sentence.fit = fit
            sentence.score += (SPAN_BONUS + SPAN_FIT_WEIGHT * fit) * answers(sentence)
    sentences.sort(key=lambda s: s.score, reverse=True)
    # A typed question is answered by the best sentence that holds a value of its type.
    threshold = FOUND_THRESHOLD_EN if question.english else FOUND_THRESHOLD
    relevant = [s for s in sentences if s.coverage >= threshold]
    if not relevant:
        return not_found(question)
    best = next((s for s in relevant if answers(s)), None)
    if best is None and question.kind == "quantity":
        # The articles hold the topic but no relevant sentence a value: a sentence nearly as
        # relevant whose value fits what is asked ("biaya ... mencapai 20 juta dollar").
        best = next((s for s in sentences if answers(s) and s.fit >= NEAR_FIT
                     and s.coverage >= NEAR_RATIO * threshold), None)
    best = best or relevant[0]
    if not answers(best):
        best.span = None  # a weak open phrase is no answer: quote the sentence instead
    cited = _supporting(best, sentences)
    rival = _rival(best, cited, question)
    if rival:
        cited.remove(rival)
        cited.insert(1, rival)
    # Highlight a value only where it is the answer (or the disagreeing one), not an aside.
    citations = [_citation(s, s is best or s is rival or _agrees(best, s)) for s in cited]
    value = render(best.span, question.english) if best.span else ""
    if rival and rival.span:
        other = render(rival.span, question.english)
        lead = "The articles disagree:" if question.english else "Artikel-artikel berbeda:"
        text = f"{lead} {value} [1], {'but' if question.english else 'tetapi'} {other} [2]."
    elif value and best.span.kind not in _QUOTED:
        text = f"{value[:1].upper()}{value[1:]} [1]."
    else:
        text = f"{best.text} [1]"
    first_extra = 3 if rival else 2
    if len(citations) >= first_extra:
        markers = ", ".join(f"[{n}]" for n in range(first_extra, len(citations) + 1))
        text += f" {'See also' if question.english else 'Lihat juga'} {markers}."
    return Answer(text, True, citations, question.kind, value, disagreement=bool(rival))


def _supporting(best: _Sentence, sentences: list[_Sentence]) -> list[_Sentence]:
    """`best`, then one sentence per other article that is as much about the question and, for
    a typed question, holds a value of the same type: related evidence, not word overlap."""
    cited, articles = [best], {best.chunk.meta["article"]}
    for s in sentences:
        article = s.chunk.meta["article"]
        if (
            article not in articles
            and s.coverage >= SUPPORT_RATIO * best.coverage
            and (best.span is None or s.span is not None)
        ):
            cited.append(s)
            articles.add(article)
    return cited[:MAX_CITATIONS]


def _same_value(a: str, b: str) -> bool:
    """Values agree when one says as much as the other ("September" and "September 2025")."""
    a, b = " ".join(words(a)), " ".join(words(b))
    return a in b or b in a


def _rival(best: _Sentence, cited: list[_Sentence], question: Question) -> _Sentence | None:
    """A cited sentence about the same event that gives a different typed value, if any.
    Same event: nearly as relevant to the question and sharing most of its content words."""
    if not best.span or best.span.kind not in _COMPARABLE:
        return None
    mine = _stems(best.text)
    value = render(best.span, True)
    for s in cited[1:]:
        theirs = _stems(s.text)
        overlap = len(mine & theirs) / max(1, len(mine | theirs))
        if (
            s.span.kind == best.span.kind
            and s.coverage >= 0.8 * best.coverage
            and overlap >= SAME_EVENT_OVERLAP
            and not _same_value(value, render(s.span, True))
        ):
            return s
    return None


def _agrees(best: _Sentence, other: _Sentence) -> bool:
    return bool(best.span and other.span) and _same_value(render(best.span, True), render(other.span, True))


def _citation(s: _Sentence, highlight: bool) -> Citation:
    span = s.span if highlight else None
    return Citation(
        article=s.chunk.meta["article"], quote=s.text, start=s.start, end=s.end,
        title=s.chunk.meta.get("title", ""), score=round(s.score, 4),
        span_start=span.start if span else None, span_end=span.end if span else None,
    )
