"""Find typed answer candidates (durations, dates, quantities, names) in a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import STOPWORDS
from .units import CURRENCY, CURRENCY_SIGN, UNIT_MEASURE

_DAYS = r"Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = (
    r"Januari|Februari|Pebruari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Nopember"
    r"|Desember|January|February|March|May|June|July|August|October|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Agu|Agt|Aug|Sep|Sept|Okt|Oct|Nov|Des|Dec"
)
_NUMBER_WORD = (
    r"(?:se|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)(?:\s?(?:belas|puluh|ratus|ribu|juta))+"
    r"|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus|seribu|sejuta"
    r"|setengah|belasan|puluhan|ratusan|ribuan|jutaan|miliaran"
)
_NUMBER = rf"(?:\d+(?:[.,]\d+)*|\b(?:{_NUMBER_WORD})\b)"
_SCALE = r"(?:\s*(?:ribu|juta|miliar|milyar|triliun|persen|%|thousand|million|billion|percent))*"
_TIME_UNIT = r"(?:jam|menit|detik|hari|minggu|pekan|bulan|tahun|dekade|abad|hours?|minutes?|seconds?|days?|weeks?|months?|years?)"
_QUALIFIER = r"(?:sekitar|kurang lebih|hampir|lebih dari|kurang dari|sedikit|about|around|nearly|almost|over|more than)"

DURATION = re.compile(
    rf"(?:(?P<q>{_QUALIFIER})\s+)?(?P<v>{_NUMBER}\s*{_TIME_UNIT}\b(?:\s+(?:dan\s+)?{_NUMBER}\s*{_TIME_UNIT}\b)*)",
    re.IGNORECASE,
)
DATE = re.compile(
    rf"(?P<v>(?:(?:{_DAYS})\s*,?\s*)?(?:\(\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\)|\d{{1,2}}\s+(?:{_MONTHS})\b\.?(?:\s+\d{{4}})?"
    rf"|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)"
    rf"|(?:{_MONTHS})\s+\d{{4}}|(?:tahun\s+)?\b(?:1[5-9]\d\d|20\d\d)\b(?:\s*-\s*an)?|\b(?:{_DAYS})\b|\b(?:{_MONTHS})\b)"
)
# A unit word, maybe squared or cubed ("km2", "meter persegi").
_UNIT = r"[a-z][a-z/]*[23]?(?:\s+(?:persegi|kubik))?"
# A written number not run into a word ("15th" is no quantity); "19, 56 juta" is one number
# written with a stray space, but a year before a comma stays a year ("Pada 2010, 45 persen").
_AMOUNT = (
    rf"(?:(?:(?<![\d.,])\d{{1,3}},\s\d{{1,3}}(?=\s*(?:ribu|juta|miliar|persen))|\d+(?:[.,]\d+)*)(?![^\W_])"
    rf"|\b(?:{_NUMBER_WORD})\b)"
)
_CURRENCY_SIGN = rf"(?:{CURRENCY_SIGN}\s?)"
QUANTITY = re.compile(
    rf"(?P<v>{_CURRENCY_SIGN}?{_AMOUNT}{_SCALE}(?:\s?[-–]\s?{_CURRENCY_SIGN}?{_AMOUNT}{_SCALE})?"  # "Rp 4-5 juta"
    rf"(?:\s+(?!per\b)(?P<unit>{_UNIT})(?:(?<=lar)\s+(?-i:AS|Amerika(?:\s+Serikat)?|Singapura|Australia|Kanada))?)?"
    rf"(?:\s+per\s+(?P<per>{_UNIT}))?)",  # "Rp 4.500 per kilogram", "155 km per jam"
    re.IGNORECASE,
)
_NAME_TOKEN = r"(?:[A-Z][\w'’.&-]*|\d+[A-Z][\w-]*)"
NAME = re.compile(
    rf"{_NAME_TOKEN}(?:\s+(?:(?:bin|binti|van|von|de|der|al|da|del|dos|la|le)\s+)?{_NAME_TOKEN})*(?:\s+\([A-Z][\w .&-]*\))?"
)

# Titles and ranks written before a name ("Prof", "Dr", "drh", "KH", "Kombes"): they stand
# between a role and the name it introduces ("Kepala Balai Prof Sari").
HONORIFICS = frozenset(
    """prof profesor dr drs dra drh ir h hj kh ny nyonya mr mrs ms jenderal letjen mayjen
    brigjen laksamana laksda laksma marsekal marsda marsma kolonel kol letkol kapten brigadir
    kombes akbp akp kompol irjen komjen kiai kyai ustad ustadz habib romo
    pastor pendeta uskup kardinal syekh sheikh sir dokter""".split()
)
_TITLES = HONORIFICS | frozenset(
    """presiden wakil menteri gubernur bupati wali walikota kota ketua direktur kepala jenderal letjen
    mayjen brigjen kapolri kapolda kapolres dr prof ir h hj kh bapak ibu pak bu sekretaris asisten juru
    bicara jubir raja ratu pangeran perdana pm sri paus kaisar syekh mr mrs ms president minister
    governor mayor chief general director spokesman spokesperson king queen prince pope sheikh
    dirut manajer pelatih kapten komandan panglima duta besar dubes menlu mendagri kepolisian
    pemimpin leader""".split()
)
# Words that continue a place's name ("Korea Utara", "Amerika Serikat").
_PLACE_TAILS = frozenset("utara selatan barat timur tengah serikat raya".split())
_ORG_WORDS = frozenset(
    """pt cv tbk bank universitas partai kementerian departemen dinas badan komisi dewan lembaga yayasan
    institut asosiasi persatuan perusahaan koperasi kantor balai komite markas polda polres kejaksaan
    pengadilan mahkamah dpr dprd mpr corp inc ltd group airlines fc tentara angkatan kepolisian pusat
    organisasi perhimpunan ikatan federasi serikat liga klub sekolah rumah sakit rs bumn persero
    company corporation university party ministry council agency association union""".split()
)
_PLACE_WORDS = frozenset(
    """kota pulau kabupaten provinsi propinsi jalan jl gunung pantai sungai danau teluk selat laut
    tanjung kecamatan desa kelurahan kampung kawasan bandara pelabuhan stadion city island river
    mount lake province street""".split()
)
_PLACE_CUES = frozenset(
    "di ke dari menuju dekat kota pulau provinsi kabupaten negara wilayah daerah in at to from near".split()
)
# A compact list of countries and large places (Indonesian spelling), used only to tell a place
# from a person when the sentence gives no cue.
_PLACES = frozenset(
    """indonesia malaysia singapura thailand filipina vietnam kamboja laos myanmar brunei timor china
    tiongkok jepang korea india pakistan bangladesh nepal afghanistan iran irak suriah israel palestina
    mesir arab saudi turki rusia ukraina inggris prancis perancis jerman italia spanyol belanda belgia
    swiss swedia norwegia denmark finlandia polandia yunani amerika as kanada meksiko brasil argentina
    australia selandia afrika nigeria kenya eropa asia jakarta beijing moskow washington london paris
    tokyo seoul bandung surabaya medan makassar semarang yogyakarta bali jawa sumatera kalimantan
    sulawesi papua aceh""".split()
)


# Lowercase nouns shortly before a name that say it names a group ("kelompok pemberontak Elang").
_GROUP_CUES = frozenset(
    """kelompok organisasi partai gerakan milisi faksi pasukan lembaga perusahaan klub kesebelasan
    grup band harian koran majalah stasiun maskapai group party company club""".split()
)
# A reference number closes a name: "Menteri Pertanian RI No 12" is no person "RI No".
_NUMBERED = re.compile(r"\s+(?:No|Nomor|Nomer|Nr)\.?$")

# Words that introduce where a report was taken from: a news outlet or agency follows.
_SOURCE_CUES = frozenset("dikutip dilansir melansir diberitakan".split())


def is_place(word: str) -> bool:
    """Whether a word names a country or a large place (from a compact list)."""
    return word.lower() in _PLACES


# Words right before a value that mark it as the value of the event, not an aside
# ("berlangsung selama sekitar 1 jam" vs "peringatan empat tahun").
CUES = {
    "duration": frozenset("selama berlangsung sekitar hampir lebih kurang during for lasted about".split()),
    "date": frozenset("pada tanggal hari sejak on since dated".split()),
    "quantity": frozenset("sebanyak sejumlah sekitar mencapai total hingga sebesar senilai of about".split()),
    "location": frozenset("di ke dari in at to from".split()),
    "person": frozenset("kata ujar menurut oleh said by according".split()),
    "organization": _SOURCE_CUES,
}
_AGE_WORDS = frozenset("peringatan ulang hut usia berusia umur berumur menjelang anniversary aged age".split())
# Of those, the ones that give someone's age, which is never the time since an event.
_OLD_WORDS = frozenset("usia berusia umur berumur aged age".split())
_SINCE_WORDS = frozenset("sejak setelah sebelum lalu silam since after before ago".split())
# A name right before one of these is the speaker: the answer to "who said ...".
SPEECH_VERBS = frozenset(
    """mengatakan mengungkapkan menyatakan menegaskan menjelaskan menyebutkan menyebut menuturkan
    berkata mengklaim melaporkan said says told stated""".split()
)


@dataclass(frozen=True)
class Span:
    """A typed candidate: offsets into the sentence's article text, its kind and surface value."""

    start: int
    end: int
    kind: str
    value: str
    qualifier: str = ""
    cued: bool = False


# Sentence openers that are capitalised only by position ("Menurut Ketua ...", "Demikian Bill ...").
_OPENERS = frozenset(
    """menurut demikian sementara selain bahkan padahal kemudian akhirnya selanjutnya sebelumnya
    sedangkan meski meskipun walaupun setelah sebelum selama sesuai berdasarkan terkait mengenai
    namun tetapi jadi maka lalu kini sekarang""".split()
)


def _abbreviates(token: str, words: list[str]) -> bool:
    """Whether `token` is "(AS)" after "Amerika Serikat": an acronym of those words' initials."""
    acronym = re.fullmatch(r"\(([A-Z]{2,})\)[,.;:]?", token)
    initials = "".join(w[0] for w in words if w[:1].isupper())
    return bool(acronym) and initials.startswith(acronym[1][0]) and _in_order(acronym[1], initials)


def _in_order(letters: str, within: str) -> bool:
    """Whether `letters` appear in `within` in order."""
    rest = iter(within)
    return all(letter in rest for letter in letters)


def _trim_name(
    text: str, start: int, end: int, question_words: set[str], head: str = "", posts: bool = False,
) -> tuple[int, int, bool]:
    """Drop leading titles, function words and words the question already names (but the noun
    it asks about, `head`: "Departemen Keuangan"), and a bare "(AS)" left over from a name the
    question already named ("Amerika Serikat (AS)"). With `posts` (the question asks for a
    place or an organisation, such as where someone serves), a full name the question gives
    is cut from the end of a name: what is left names the post's place or body ("Bupati
    Sleman"), which the flag returned says."""
    tokens = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    drop = (_TITLES | STOPWORDS | _OPENERS | question_words) - {head}
    # "Presiden China Xi Jinping", "pemimpin Korea Utara Kim Jong Un": a place right after a
    # title belongs to the title.
    after_title = (text[:start].split()[-1:] or [""])[0].lower() in _TITLES
    in_place = False
    dropped: list[str] = []
    while tokens:
        word = text[tokens[0][0] : tokens[0][1]].lower().strip(",.")
        place = after_title and len(tokens) > 1 and (word in _PLACES or in_place and word in _PLACE_TAILS)
        if word in drop or place:
            after_title = after_title or word in _TITLES
            in_place = place
            dropped.append(text[tokens[0][0] : tokens[0][1]])
            tokens.pop(0)
        else:
            break
    # "Kepala Dinas Kesehatan NTB Adi Lubis" when the question names Adi Lubis: what comes
    # before the full name the question gives is the answer ("NTT").
    given, cut = 0, False
    while len(tokens) > given and text[tokens[-1 - given][0] : tokens[-1 - given][1]].lower().strip(",.") in question_words | HONORIFICS:
        given += 1
    rest = {text[a:b].lower().strip(",.") for a, b in tokens[: len(tokens) - given]}
    # "Bandara Sultan Hasanuddin": when only a marker word ("Bandara") would be left, it is part of the name, which is kept whole.
    if posts and given >= 2 and rest and not rest <= _ORG_WORDS | _PLACE_WORDS:
        tokens, cut = tokens[: len(tokens) - given], True
    # "Vladimir Putin" when the question names Putin: this is the asked-about person, not the answer.
    elif tokens and text[tokens[-1][0] : tokens[-1][1]].lower().strip(",.") in question_words:
        tokens = []
    if len(tokens) == 1 and _abbreviates(text[tokens[0][0] : tokens[0][1]], dropped):
        tokens = []
    if not tokens:
        return start, start, False
    last = text[tokens[-1][0] : tokens[-1][1]]
    return tokens[0][0], tokens[-1][1] - (len(last) - len(last.rstrip(".,;:"))), cut


def _name_kind(text: str, start: int, end: int, before: str, serves: bool = False) -> str:
    """person, organization or location for a capitalised name, from its words and context.
    `serves`: someone's post names it ("Bupati Sleman H Joko Susilo"), so it is no person."""
    name_words = [w.lower().strip("().,") for w in text[start:end].split()]
    cue = before.split()[-1].lower() if before.split() else ""
    if any(w in _ORG_WORDS for w in name_words):
        return "organization"
    if serves:
        return "location"
    if re.fullmatch(r"[A-Z]{2,6}", text[start:end]):
        return "organization"
    if _SOURCE_CUES & {w.lower() for w in before.split()[-2:]}:
        return "organization"  # "seperti dikutip dari Reuters": a news source
    if any(w in _GROUP_CUES for w in before.split()[-3:]):
        return "organization"  # "kelompok pemberontak Elang"
    if any(w in _PLACE_WORDS for w in name_words) or cue in _PLACE_CUES or name_words[0] in _PLACES:
        return "location"
    return "person"


_JOINED = re.compile(rf"\s+(?:dan|untuk|&|and|of|for)\s+{_NAME_TOKEN}")


def _names(sentence: str) -> list[tuple[int, int]]:
    """Capitalised names; an organisation's name runs on over "dan"/"untuk" to its next
    capitalised word ("Dinas Perikanan dan Kelautan Provinsi Bali")."""
    out: list[tuple[int, int]] = []
    pos = 0
    while (m := NAME.search(sentence, pos)) is not None:
        s, e = m.start(), m.end()
        if any(w.lower() in _ORG_WORDS for w in sentence[s:e].split()[:2]):
            while (j := _JOINED.match(sentence, e)) and (n := NAME.match(sentence, j.end() - len(j.group().split()[-1]))):
                e = n.end()
        if (numbered := _NUMBERED.search(sentence, s, e)) and re.match(r"\s*\d", sentence[e:]):
            e = numbered.start()
        out.append((s, e))
        pos = max(e, m.end())
    return out


Bounds = tuple[tuple[int, int], ...]
_PERCENT_END = re.compile(r"(?:persen|percent|%)\s+$", re.IGNORECASE)


@lru_cache(maxsize=20000)
def _matches(sentence: str) -> tuple[tuple[tuple[int, int, str, bool, bool], ...], Bounds, Bounds, Bounds]:
    """What the patterns find in a sentence, whatever the question: durations (with their
    qualifier, whether they are a time since, whether an age), dates, quantities and names."""
    durations = []
    for m in DURATION.finditer(sentence):
        # "peringatan empat tahun" (fourth anniversary), "berusia 60 tahun", "empat tahun
        # sejak invasi": an age or a time since, not how long something lasted.
        before = (sentence[: m.start()].split()[-1:] or [""])[0].lower()
        after = (sentence[m.end() :].split()[:1] or [""])[0].lower().strip(",.")
        since = before in _AGE_WORDS - _OLD_WORDS or after in _SINCE_WORDS
        durations.append((m.start("v"), m.end("v"), (m.group("q") or "").lower(), since, before in _OLD_WORDS))
    dates = tuple((m.start("v"), m.end("v")) for m in DATE.finditer(sentence))
    quantities = []
    for m in QUANTITY.finditer(sentence):
        s, e = m.start("v"), m.end("v")
        unit, per = (m.group("unit") or "").lower(), (m.group("per") or "").lower()
        if per and per not in UNIT_MEASURE:
            e = sentence.rindex("per", s, m.start("per"))  # "Rp 6.000 per keluarga": a share, no unit
        if unit in STOPWORDS or unit and unit not in UNIT_MEASURE and (
            CURRENCY.match(sentence, s) or _PERCENT_END.search(sentence, 0, m.start("unit"))
        ):
            e = m.start("unit")  # "Rp 5.700 menjadi", "90 persen saham": the value ends before
        quantities.append((s, len(sentence[:e].rstrip())))
    return tuple(durations), dates, tuple(quantities), tuple(_names(sentence))


def find_spans(
    text: str, start: int, end: int, question_words: set[str], elapsed: bool = False, head: str = "",
    posts: bool = False,
) -> list[Span]:
    """Every typed candidate in text[start:end] (a sentence), in reading order. `elapsed`: the
    question asks for the time since an event ("how long after ..."), so an anniversary or a
    time since is a duration too. `head`: the noun the question asks about, which a name keeps.
    `posts`: the question asks for a place or an organisation, so a post before a person the
    question names may be the answer ("Bupati Sleman H Joko Susilo" -> "Sleman")."""
    sentence = text[start:end]
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(s: int, e: int, kind: str, qualifier: str = "") -> None:
        if e > s and not any(s < te and ts < e for ts, te in taken):
            taken.append((s, e))
            before = sentence[:s].split()[-2:]
            after = sentence[e:].strip(" ,").split()[:1]
            cued = (
                bool(qualifier)
                or any(w.lower().strip(",") in CUES.get(kind, ()) for w in before)
                or (kind == "person" and bool(after) and after[0].lower() in SPEECH_VERBS)
            )
            spans.append(Span(start + s, start + e, kind, sentence[s:e], qualifier, cued))

    durations, dates, quantities, names = _matches(sentence)
    for s, e, qualifier, since, old in durations:
        if not old and (elapsed or not since):
            add(s, e, "duration", qualifier)
    for s, e in dates:
        add(s, e, "date")
    for s, e in quantities:
        add(s, e, "quantity")
    for m in names:
        s, e, serves = _trim_name(sentence, m[0], m[1], question_words, head, posts)
        # A lone capitalised word opening the sentence is usually just a capitalised word.
        if e > s and (s > 0 or " " in sentence[s:e] or sentence[s:e].lower() in _PLACES):
            add(s, e, _name_kind(sentence, s, e, sentence[:s], serves))
    return sorted(spans, key=lambda sp: sp.start)
