"""English -> Indonesian term translation for answering English questions over Indonesian text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import product
from pathlib import Path

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon_en_id.tsv"
# The project's own news vocabulary, consulted after OVERRIDES and before DEFAULT_LEXICON.
NEWS_LEXICON = DEFAULT_LEXICON.with_name("news_en_id.tsv")
# The longest multiword expression ("house of representatives") the curated tables hold.
MAX_PHRASE_WORDS = 3

EN_STOPWORDS = frozenset("""
a about above after again against all also am an and any anybody anyone anything are around as at
be because been before being below between both but by can cannot could did do does doing done down
during each either else even ever every few for from further had has have having he her here hers
herself him himself his how however i if in into is it its itself just let many me more most much
must my myself neither no nor not now of off often on once only or other others our ours ourselves
out over own please really same shall she should since so some something still such than that the
their theirs them themselves then there these they this those though through to too under until up
upon very was we well were what whatever when whenever where whether which while who whoever whom
whose why will with within without would yet you your yours yourself yourselves
""".split())

ID_FUNCTION_WORDS = frozenset("""
yang dan di ke dari apa siapa berapa kapan mengapa kenapa bagaimana dengan untuk itu ini pada adalah
ialah tidak bukan akan sudah telah sedang juga atau oleh dalam karena saat ketika ia dia mereka kami
kita saya para sebagai bahwa bisa dapat ada antara lebih seperti hingga sampai sejak tersebut apakah
manakah dimana mana secara namun tetapi masih belum sang si agar jika kalau siapakah berapakah
kapankah dimanakah mengapakah bagaimanakah
""".split())

# The dictionary's first translations are often archaic, too literal or the wrong sense for news
# text (e.g. "call" -> "telepon", "country" -> "desa", "won" -> the Korean currency), and it lacks
# many common news words, so these entries take precedence over the lexicon file.
OVERRIDES: dict[str, tuple[str, ...]] = {word: tuple(value.split("|")) for word, value in {
    "accuse": "menuduh|tuduhan|tuduh", "agreement": "kesepakatan|perjanjian|persetujuan",
    "aid": "bantuan", "aide": "asisten|ajudan|pembantu", "aircraft": "pesawat",
    "allow": "mengizinkan|izin", "ambassador": "duta besar|dubes", "america": "amerika|as",
    "american": "amerika|as", "anniversary": "ulang tahun|peringatan|hut",
    "announce": "mengumumkan|diumumkan|pengumuman", "approve": "menyetujui|disetujui|persetujuan",
    "arrest": "ditangkap|menangkap|penangkapan", "assistance": "bantuan",
    "assistant": "asisten|ajudan|pembantu", "attack": "serangan|menyerang|serang",
    "billion": "miliar|milyar", "born": "lahir|kelahiran",
    "broadcast": "siaran|disiarkan|menyiarkan", "build": "dibangun|membangun|bangunan",
    "call": "panggilan|pembicaraan|percakapan|telepon", "called": "disebut|bernama|dipanggil",
    "capital": "ibu kota|ibukota|modal", "ceasefire": "gencatan senjata",
    "ceo": "ceo|direktur utama", "chair": "ketua|kursi", "chairman": "ketua",
    "chief": "kepala|ketua|pimpinan", "china": "china|tiongkok", "chinese": "china|tiongkok",
    "city": "kota", "company": "perusahaan|perseroan|firma",
    "confirm": "mengonfirmasi|membenarkan|konfirmasi|mengesahkan",
    "consensus": "konsensus|kesepakatan",
    "cooperation": "kerja sama|kerjasama", "country": "negara|negeri",
    "crash": "kecelakaan|jatuh|tabrakan", "customer": "pelanggan|konsumen", "day": "hari",
    "dead": "meninggal|tewas|mati|korban", "deal": "kesepakatan|perjanjian",
    "decide": "memutuskan|keputusan", "decrease": "penurunan|turun|menurun",
    "deny": "membantah|menyangkal|bantah", "die": "meninggal|tewas|wafat|mati",
    "diplomat": "diplomat", "disaster": "bencana", "discuss": "membahas|membicarakan|diskusi",
    "drone": "drone|nirawak", "economic": "ekonomi", "election": "pemilihan|pemilu",
    "end": "akhir|berakhir|selesai", "energy": "energi|tenaga",
    "establish": "mendirikan|didirikan|membentuk", "eu": "uni|eropa", "europe": "eropa",
    "european": "eropa", "find": "menemukan|ditemukan|temukan", "flight": "penerbangan",
    "foreign": "luar|negeri|asing", "founded": "didirikan|mendirikan|berdiri", "founder": "pendiri",
    "fuel": "bbm|bahan bakar", "fund": "dana", "global": "global",
    "government": "pemerintah|pemerintahan", "head": "kepala|ketua|pimpinan",
    "hold": "menggelar|mengadakan|digelar|memegang", "hour": "jam",
    "impose": "menjatuhkan|memberlakukan|mengenakan",
    "increase": "kenaikan|meningkat|naik|peningkatan", "injure": "luka|terluka|cedera",
    "injured": "luka|terluka|cedera|korban", "invade": "menyerang|menginvasi|invasi",
    "invasion": "invasi|serangan", "invitation": "undangan", "invite": "undang|mengundang|undangan",
    "iran": "iran", "kill": "tewas|membunuh|terbunuh|bunuh",
    "killed": "tewas|terbunuh|meninggal|korban", "korea": "korea", "last": "terakhir|lalu",
    "leader": "pemimpin|pimpinan", "locate": "terletak|berada|lokasi",
    "located": "terletak|berada|lokasi|letak", "location": "lokasi|letak|tempat",
    "long": "lama|panjang", "loss": "kerugian|kehilangan|kekalahan", "low": "rendah",
    "media": "media", "meet": "bertemu|pertemuan|temu", "meeting": "pertemuan|rapat|bertemu",
    "military": "militer|tentara", "minister": "menteri", "ministry": "kementerian",
    "minute": "menit", "money": "uang|dana", "month": "bulan", "north": "utara",
    "number": "jumlah|angka|nomor", "official": "pejabat|resmi", "old": "tua|lama|usia|berusia",
    "oppose": "menentang|menolak", "parade": "parade", "partnership": "kemitraan",
    "people": "orang|warga|rakyat|masyarakat", "percent": "persen", "plane": "pesawat",
    "poll": "survei|jajak pendapat", "population": "penduduk|populasi|warga",
    "president": "presiden", "price": "harga", "prime": "perdana", "profit": "laba|keuntungan",
    "protest": "protes|unjuk rasa|demo", "quote": "dikutip|mengutip|kutipan",
    "rate": "tingkat|suku|laju|tarif", "relation": "hubungan|relasi",
    "relations": "hubungan|relasi", "relationship": "hubungan|relasi",
    "release": "merilis|membebaskan|rilis", "report": "laporan|melaporkan|dilaporkan",
    "reporter": "wartawan|reporter", "revenue": "pendapatan|penerimaan", "riot": "kerusuhan",
    "rise": "naik|kenaikan|meningkat", "russia": "rusia", "russian": "rusia", "sale": "penjualan",
    "sanction": "sanksi", "say": "mengatakan|menyatakan|kata|berkata", "school": "sekolah",
    "security": "keamanan", "sentence": "vonis|hukuman|divonis",
    "sign": "menandatangani|ditandatangani|tanda", "spokesman": "juru bicara|jubir",
    "spokesperson": "juru bicara|jubir", "spokeswoman": "juru bicara|jubir",
    "stabilise": "penstabil|stabil|menstabilkan", "stabilize": "penstabil|stabil|menstabilkan",
    "start": "mulai|dimulai|memulai", "state": "negara|keadaan", "stated": "menyatakan|mengatakan",
    "states": "amerika|negara", "strategic": "strategis", "summit": "ktt|pertemuan puncak",
    "support": "dukungan|mendukung", "suspect": "tersangka|diduga",
    "talk": "pembicaraan|perundingan|bicara", "tension": "ketegangan", "theft": "pencurian",
    "threaten": "mengancam|ancaman", "today": "hari ini|sekarang",
    "trade": "perdagangan|dagang|niaga", "travel": "perjalanan|bepergian",
    "troop": "pasukan|tentara", "ukraine": "ukraina", "ukrainian": "ukraina",
    "united": "serikat|bersatu", "us": "as|amerika|serikat", "video": "video",
    "visit": "kunjungan|berkunjung|mengunjungi", "war": "perang",
    "warn": "memperingatkan|peringatan", "warning": "peringatan",
    "win": "menang|memenangkan|kemenangan|meraih|merebut", "year": "tahun",
    "conversation": "percakapan|pembicaraan|perbincangan", "lasted": "berlangsung|selama",
    "respond": "menanggapi|tanggapan|merespons|menjawab", "response": "tanggapan|respons|jawaban",
    "agency": "kantor|agensi|badan|lembaga", "news": "berita", "accusation": "tuduhan|menuduh",
    "reveal": "mengungkapkan|mengungkap", "tell": "mengatakan|memberitahu|menceritakan",
    "attend": "menghadiri|hadir|dihadiri", "declare": "mendeklarasikan|menyatakan|mengumumkan",
    "describe": "menggambarkan|menyebut|menilai", "face": "tatap|muka|wajah",
    "moscow": "moskow|moskwa", "beijing": "beijing", "washington": "washington",
}.items()}

# Irregular English forms mapped to the headword they should be looked up as.
IRREGULAR = {
    "arisen": "arise", "arose": "arise", "ate": "eat", "beaten": "beat", "became": "become",
    "began": "begin", "begun": "begin", "bled": "bleed", "bore": "bear", "borne": "bear",
    "bought": "buy", "broke": "break", "broken": "break", "brought": "bring", "built": "build",
    "came": "come", "caught": "catch", "children": "child", "chose": "choose", "chosen": "choose",
    "crises": "crisis", "dealt": "deal", "drawn": "draw", "drew": "draw", "driven": "drive",
    "drove": "drive", "eaten": "eat", "fallen": "fall", "feet": "foot", "fell": "fall",
    "felt": "feel", "fled": "flee", "flew": "fly", "flown": "fly", "forbade": "forbid",
    "forbidden": "forbid", "forgave": "forgive", "forgiven": "forgive", "fought": "fight",
    "found": "find", "froze": "freeze", "frozen": "freeze", "gave": "give", "given": "give",
    "got": "get", "gotten": "get", "grew": "grow", "grown": "grow", "heard": "hear",
    "held": "hold", "hid": "hide", "hidden": "hide", "hung": "hang", "kept": "keep",
    "knew": "know", "known": "know", "laid": "lay", "led": "lead", "lent": "lend", "lost": "lose",
    "made": "make", "meant": "mean", "men": "man", "met": "meet", "overcame": "overcome",
    "oversaw": "oversee", "overseen": "oversee", "overthrew": "overthrow",
    "overthrown": "overthrow", "paid": "pay", "proven": "prove", "ran": "run",
    "rebuilt": "rebuild", "ridden": "ride", "risen": "rise", "rode": "ride", "rose": "rise",
    "said": "say", "sang": "sing", "sank": "sink", "sat": "sit", "saw": "see", "seen": "see",
    "sent": "send", "shaken": "shake", "shook": "shake", "shot": "shoot", "slept": "sleep",
    "sold": "sell", "sought": "seek", "spent": "spend", "spoke": "speak", "spoken": "speak",
    "stole": "steal", "stolen": "steal", "stood": "stand", "struck": "strike", "sung": "sing",
    "sunk": "sink", "swam": "swim", "swore": "swear", "sworn": "swear", "taken": "take",
    "taught": "teach", "thought": "think", "threw": "throw", "thrown": "throw", "told": "tell",
    "took": "take", "undergone": "undergo", "understood": "understand", "underwent": "undergo",
    "upheld": "uphold", "went": "go", "withdrawn": "withdraw", "withdrew": "withdraw",
    "women": "woman", "won": "win", "wore": "wear", "worn": "wear", "written": "write",
    "wrote": "write",
}

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# Suffix, then replacements to try on the stem, most likely first.
_SUFFIXES = (
    ("s", ("",)), ("es", ("",)), ("ies", ("y",)), ("ied", ("y",)),
    ("ed", ("e", "")), ("ing", ("e", "")), ("men", ("man",)),
)


# Tried only when neither table knows a word or its inflections: "largely" -> "large",
# "newly" -> "new", "happily" -> "happy", "biggest" -> "big".
_DERIVATIONS = (("ly", ("", "le")), ("ily", ("y",)), ("est", ("e", "")))
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
# Learned words Indonesian borrowed with regular spelling changes, longest suffix first:
# "sensitive" -> "sensitif", "reunification" -> "reunifikasi", "technology" -> "teknologi".
_LOAN_SUFFIXES = (
    ("fication", "fikasi"), ("ization", "isasi"), ("isation", "isasi"), ("graphy", "grafi"),
    ("ology", "ologi"), ("ssion", "si"), ("ction", "ksi"), ("tion", "si"), ("sion", "si"),
    ("ical", "is"), ("ance", "ansi"), ("ence", "ensi"), ("ancy", "ansi"), ("ency", "ensi"),
    ("ity", "itas"), ("ism", "isme"), ("ist", "is"), ("ive", "if"), ("ics", "ika"), ("ic", "ik"),
    ("ient", "ien"), ("ent", "en"), ("ant", "an"),
    ("ine", "in"), ("ide", "ida"), ("ure", "ur"), ("cy", "si"), ("gy", "gi"), ("ry", "ri"),
)
# Spelling changes inside a borrowed word, in order.
_LOAN_LETTERS = (
    (r"ph", "f"), (r"th", "t"), (r"ch", "k"), (r"qu", "kw"), (r"x", "ks"),
    (r"c(?=[eiy])", "s"), (r"c", "k"), (r"y", "i"), (r"([b-df-hj-np-tv-z])\1", r"\1"),
)


_ROMAN = ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def roman_numeral(number: int) -> tuple[str, ...]:
    """The lowercase Roman numeral Indonesian news numbers events with ("Kejuaraan Asia XVI"),
    for 2..89 but 5, 10, 50 (one letter is too ambiguous to search for) and 11, 51 ("xi" and
    "li" are names); () otherwise."""
    if not 2 <= number < 90 or number in (5, 10, 11, 50, 51):
        return ()
    letters = ""
    for value, numeral in _ROMAN:
        count, number = divmod(number, value)
        letters += numeral * count
    return (letters,)


def loanword(word: str) -> str:
    """The Indonesian spelling of a learned English word with a borrowable suffix ("cytokine"
    -> "sitokin"), or "" for other words (names keep their spelling)."""
    for suffix, replacement in _LOAN_SUFFIXES:
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3:
            # The suffix's first letter rides along so that "c" before it is read right.
            spelled = stem + suffix[0]
            for pattern, letters in _LOAN_LETTERS:
                spelled = re.sub(pattern, letters, spelled)
            return spelled[:-1] + replacement
    return ""


@lru_cache(maxsize=4)
def load_lexicon(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Read the headword -> translations TSV (cached; do not mutate the result)."""
    lexicon: dict[str, tuple[str, ...]] = {}
    for line in (path or DEFAULT_LEXICON).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            headword, translations = line.split("\t")
            lexicon[headword] = tuple(translations.split("|"))
    return lexicon


_ID_QUESTION_WORDS = frozenset(
    "apa apakah siapa siapakah berapa berapakah kapan kapankah mengapa kenapa bagaimana "
    "bagaimanakah dimana dimanakah manakah".split()
)


def _language_score(tokens: Iterable[str]) -> int:
    """English stopwords minus Indonesian function words among lowercase tokens."""
    return sum((t in EN_STOPWORDS) - (t in ID_FUNCTION_WORDS) for t in tokens)


def looks_english(text: str) -> bool:
    """Guess whether a question is English (rather than Indonesian) from its function words;
    an Indonesian question word anywhere settles it ("siapakah Director of ... WHO")."""
    tokens = _TOKEN.findall(text.lower())
    if any(t in _ID_QUESTION_WORDS for t in tokens):
        return False
    return _language_score(tokens) > 0


def written_in_english(text: str) -> bool:
    """Whether a passage reads as English: more English stopwords than Indonesian function words."""
    return _language_score(_TOKEN.findall(text.lower())) > 0


def _base_forms(word: str) -> Iterator[str]:
    """Yield the word (or its irregular base form), then forms with regular inflections removed."""
    yield IRREGULAR.get(word, word)
    for suffix, replacements in _SUFFIXES:
        stem = word.removesuffix(suffix)
        if stem == word or len(stem) < 3:
            continue
        yield from (stem + ending for ending in replacements)
        if suffix in ("ed", "ing") and stem[-1] == stem[-2]:
            yield stem[:-1]


@lru_cache(maxsize=1)
def _curated() -> dict[str, tuple[str, ...]]:
    """The news vocabulary with OVERRIDES taking precedence headword by headword."""
    return {**load_lexicon(NEWS_LEXICON), **OVERRIDES}


def _derived_forms(word: str) -> Iterator[str]:
    """Base forms of a word built with a derivational suffix ("largely" -> "large")."""
    for suffix, replacements in _DERIVATIONS:
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3:
            yield from (stem + ending for ending in replacements)
            if stem[-1] == stem[-2]:
                yield stem[:-1]


def _lookup(forms: list[str]) -> tuple[str, ...]:
    """The first translations any of `forms` has, curated tables before the dictionary."""
    for table in (_curated(), load_lexicon()):
        for form in forms:
            if translations := table.get(form):
                return translations
    return ()


def _translate(word: str) -> tuple[str, ...]:
    """Translations for one lowercase word (or multiword expression), or the word itself if
    unknown: the curated tables first (so an exact "building" beats "build"), then the
    dictionary lexicon, then derivations ("largely"); an ordinal becomes its number and an
    unknown learned word also tries its borrowed Indonesian spelling."""
    if ordinal := _ORDINAL.fullmatch(word):
        return (ordinal[1], *roman_numeral(int(ordinal[1])))
    translations = _lookup(list(_base_forms(word))) or _lookup(list(_derived_forms(word)))
    if translations:
        return translations
    return (word, *sorted(borrowed_spellings(word)))


def borrowed_spellings(word: str) -> set[str]:
    """Indonesian spellings a learned English word may be borrowed as, other than itself."""
    return {loanword(form) for form in _base_forms(word)} - {"", word}


@lru_cache(maxsize=1)
def _phrases() -> dict[tuple[str, ...], str]:
    """The curated multiword headwords ("foreign affairs"), keyed by their words."""
    return {tuple(headword.split()): headword for headword in _curated() if " " in headword}


def _phrase_at(tokens: list[str], i: int) -> tuple[str, int]:
    """The multiword headword starting at tokens[i] with any inflection ("carried out" ->
    "carry out"), longest first, and how many tokens it spans; ("", 0) if none."""
    phrases = _phrases()
    for n in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 1, -1):
        options = [list(dict.fromkeys(_base_forms(t))) for t in tokens[i : i + n]]
        for key in product(*options):
            if key in phrases:
                return phrases[key], n
    return "", 0


def english_units(tokens: Iterable[str]) -> list[str]:
    """Lowercase English tokens with each known multiword expression joined into its headword
    ("secretary", "general" -> "secretary general"), so it is translated as one unit."""
    tokens = [t.lower() for t in tokens]
    units: list[str] = []
    i = 0
    while i < len(tokens):
        phrase, n = _phrase_at(tokens, i)
        units.append(phrase or tokens[i])
        i += n or 1
    return units


# Active verb prefixes: the letters the nasal may have replaced before a vowel ("menyerang" <-
# "serang"), and the consonants it keeps ("membangun", "menjual", "melakukan").
_ACTIVE_PREFIXES = (
    ("menge", ("",), "bcdfghjklmnpqrstvwxyz"), ("meng", ("", "k"), "ghk"),
    ("meny", ("s", "ny"), ""), ("mem", ("", "p"), "bpf"), ("men", ("", "t"), "cdjz"),
    ("me", ("",), "lrwy"),
)


def passive_forms(word: str) -> list[str]:
    """The di- (passive) forms of an Indonesian me- verb: "menyerang" -> "diserang", "mengelola"
    -> "dikelola" (the stemmer cuts the two voices to different stems: "elola", "kelola");
    [] for other words. Some guesses are not words; they simply never match."""
    forms: list[str] = []
    for prefix, restores, consonants in _ACTIVE_PREFIXES:
        rest = word[len(prefix):]
        if not word.startswith(prefix) or len(rest) < 4:
            continue
        if rest[0] in "aeiou":
            forms += ["di" + letter + rest for letter in restores]
        elif rest[0] in consonants:
            forms.append("di" + rest)
        if prefix != "menge":  # "mengesahkan" may be menge+sahkan or meng+esahkan
            break
    return forms


def translate_terms(words: Iterable[str]) -> list[str]:
    """Translate English words to distinct lowercase Indonesian search terms, dropping stopwords.

    Multiword and hyphenated translations ("paru-paru") become their words, and an active
    verb brings its passive ("mengelola", "dikelola"). Unknown words (names, numbers) pass
    through; input that looks Indonesian is returned as is.
    """
    words = list(words)
    if _language_score(w.lower() for w in words) < 0:
        return words
    terms: list[str] = []
    for word in words:
        word = _POSSESSIVE.sub("", word.lower())
        if word in EN_STOPWORDS:
            continue
        parts = (part for translation in _translate(word) for part in _TOKEN.findall(translation))
        terms += [term for term in _with_passives(parts) if term not in terms]
    return terms


def _with_passives(terms: Iterable[str]) -> list[str]:
    """Distinct terms, each active verb followed by its passive forms."""
    return list(dict.fromkeys(form for term in terms for form in (term, *passive_forms(term))))


def translation_groups(unit: str) -> list[list[str]]:
    """Search-term groups for one English unit (a word or a multiword expression), one group
    per word the question must match. A unit of several content words whose translation has
    several words ("national park" -> "taman nasional") gives a group per translated word,
    with the same position of equally long alternatives and any one-word alternative
    ("sekjen" for "sekretaris jenderal"), so each word counts as it would translated alone."""
    translations = [_TOKEN.findall(translation) for translation in _translate(unit)]
    main = translations[0]
    if len([w for w in unit.split() if w not in EN_STOPWORDS]) < 2 or len(main) < 2:
        return [translate_terms([unit])]
    groups = []
    for i, word in enumerate(main):
        group = [word]
        for alternative in translations[1:]:
            if len(alternative) in (1, len(main)):
                group.append(alternative[min(i, len(alternative) - 1)])
        groups.append(_with_passives(group))
    return groups


@lru_cache(maxsize=1)
def _pivots() -> dict[str, tuple[str, ...]]:
    """Indonesian word -> the curated translations of every English word whose first
    (main) translation it is; later translations are looser senses, so they do not pivot."""
    groups: dict[str, list[str]] = {}
    for translations in OVERRIDES.values():
        single = [t for t in translations if " " not in t]
        if single:
            group = groups.setdefault(single[0], [])
            group += [t for t in single if t not in group]
    return {word: tuple(group) for word, group in groups.items()}


def synonyms(word: str) -> tuple[str, ...]:
    """Indonesian near-synonyms of an Indonesian word through English ("panggilan" and
    "pembicaraan" both translate "call"); the word itself first."""
    return tuple(dict.fromkeys((word, *_pivots().get(word, ()))))
