"""Measures: what a quantity question asks to measure ("berapa luas" -> area) and what a
value measures ("700 hektar" -> area), so a value of another measure is no answer."""

from __future__ import annotations

import re
from functools import lru_cache

# Unit words (Indonesian and English, lowercase) per measure.
_UNITS = {
    "length": """km kilometer kilometers kilometre kilometres meter meters metre metres m cm
        sentimeter centimeter centimeters mm milimeter millimeter mil mile miles kaki feet foot ft
        inci inch inches yard yards mdpl""",
    "area": """hektar hektare ha hectare hectares km2 m2 acre acres persegi""",
    "volume": """liter litre liters litres l kiloliter barel barrel barrels m3 kubik galon gallon
        gallons cc""",
    "mass": """kg kilogram kilograms gram grams g ton tons tonnes tonne kuintal kwintal ons mg
        miligram milligram pon""",
    "money": """rp rupiah dollar dollars dolar usd euro euros yen yuan baht ringgit peso pesos
        won rupee rupees riyal dinar poundsterling franc sgd""",
    "percent": "persen percent %",
    "temperature": "derajat celsius celcius fahrenheit",
    "speed": "knot knots mph km/jam km/h",
    "time": """detik menit jam hari minggu pekan bulan tahun dekade abad second seconds minute
        minutes hour hours day days week weeks month months year years decade decades""",
    "power": "watt kilowatt megawatt kw kwh mw wattjam",
}
UNIT_MEASURE = {word: measure for measure, units in _UNITS.items() for word in units.split()}
# A currency written before the number ("Rp 5 juta", "US$ 3").
CURRENCY_SIGN = r"(?:Rp|US\$|USD|\$|€|£)"
CURRENCY = re.compile(CURRENCY_SIGN, re.IGNORECASE)
# Measures a bare number ("berusia 67") may stand for: its unit is understood.
BARE_OK = frozenset({"age", "percent"})

# Indonesian question words naming a measure ("berapa luas", "berapa harga ...").
_ASKED_ID = {
    "length": """panjang panjangnya tinggi tingginya ketinggian kedalaman jarak jaraknya
        lebar lebarnya jauh diameter tebal ketebalan""",
    "area": "luas luasnya",
    "mass": "berat beratnya bobot massa",
    "age": "usia usianya umur umurnya",
    "temperature": "suhu temperatur",
    "speed": "kecepatan laju",
    "money": """nilai harga harganya biaya biayanya bantuan dana anggaran pengeluaran kerugian
        pendapatan gaji modal investasi utang hadiah aset omzet upah subsidi pinjaman tarif ongkos
        denda pajak laba keuntungan penghasilan devisa kekayaan uang santunan sumbangan
        pembiayaan tunjangan""",
    "percent": "persen persentase prosentase pertumbuhan inflasi",
    "time": "waktu lama lamanya",
    # A change or a share may be a percentage, an amount or a count: no constraint.
    "change": """kenaikan penurunan peningkatan pengurangan penambahan selisih porsi bagian tingkat
        kadar rasio proporsi pangsa angka""",
}
ASKED_WORDS = {word: measure for measure, ws in _ASKED_ID.items() for word in ws.split()}
# Words between "berapa" and the measure or noun that say nothing of either ("berapa jumlah").
SKIP_WORDS = frozenset("jumlah jumlahnya banyak banyaknya besar besarnya total rata rata-rata kira".split())
# Classifiers: "berapa orang pelukis" counts painters, "berapa ekor kucing" cats.
CLASSIFIERS = frozenset("orang buah ekor unit batang lembar biji helai butir potong pucuk".split())
_PARTICLE = re.compile(r"(?<=\w\w\w)(?:kah|lah|tah)$")

# English: "how old", "how far" and the measure nouns of "what is the ... of".
_ASKED_EN = (
    ("age", r"\bhow old\b|\bage\b"),
    ("length", r"\bhow (far|high|tall|deep|wide)\b|\b(length|height|distance|depth|width)\b"),
    ("area", r"\barea\b"),
    ("mass", r"\bhow heavy\b|\bweigh(s|ed|t)?\b"),
    ("speed", r"\bhow fast\b|\bspeed\b"),
    ("temperature", r"\btemperature\b"),
    ("percent", r"\b(percent|percentage|per cent)\b"),
    ("money", r"\bhow much\b.*\b(cost|costs|price|worth|pay|paid|spend|spent|budget|fund|funds|money"
              r"|aid|salary|revenue|loss|losses|fine|invest|invested)\b"
              r"|\b(price|cost|value|budget|salary|revenue|fee|fine)\b"),
    ("change", r"\bhow much\b|\b(rate|share|increase|decrease|growth|rise|fall|drop|level)\b"),
)
_ASKED_EN_RE = tuple((measure, re.compile(p, re.IGNORECASE)) for measure, p in _ASKED_EN)
_BERAPA = re.compile(r"\bberapa(?:kah)?\b", re.IGNORECASE)
_WORD = re.compile(r"[\w/%-]+")


def unparticled(word: str) -> str:
    """A word without its -kah/-lah/-tah particle ("orangkah" -> "orang"). Many nouns end in
    those letters ("naskah", "sekolah"), so the particle comes off only to leave a known measure,
    unit, classifier or counting word."""
    bare = _PARTICLE.sub("", word)
    known = bare in ASKED_WORDS or bare in UNIT_MEASURE or bare in CLASSIFIERS or bare in SKIP_WORDS
    return bare if known else word


@lru_cache(maxsize=4096)
def asked_measure(text: str, english: bool) -> str:
    """The measure a quantity question asks for ("length", "money", ...), or "" for a count."""
    if english:
        return next((measure for measure, pattern in _ASKED_EN_RE if pattern.search(text)), "")
    for m in _BERAPA.finditer(text):
        before = _WORD.findall(text[: m.start()].lower())[-1:]
        if before and before[0] in ASKED_WORDS:
            return ASKED_WORDS[before[0]]  # "mencapai kecepatan berapa"
        for word in _WORD.findall(text[m.end() : m.end() + 60].lower())[:3]:
            word = unparticled(word)
            if word in ASKED_WORDS:
                return ASKED_WORDS[word]
            if word in UNIT_MEASURE and word not in ("m", "g", "l"):
                return UNIT_MEASURE[word]  # "berapa hektar", "berapa tahunkah"
            if word not in SKIP_WORDS and word not in CLASSIFIERS:
                break
    return ""


def value_measure(value: str, following: str = "") -> str:
    """What a quantity measures, from its currency sign or unit words (or, for a bare number,
    the word after it), or "" when it has no known unit."""
    if CURRENCY.match(value):
        return "money"
    tokens = value.lower().split()
    if "per" in tokens:  # "155 km per jam" is a speed, "Rp 4.500 per kilogram" money
        n = tokens.index("per")
        if UNIT_MEASURE.get(tokens[n - 1]) == "length" and UNIT_MEASURE.get(tokens[-1]) == "time":
            return "speed"
        tokens = tokens[:n]
    if tokens and tokens[-1].endswith("%"):
        return "percent"
    # "94 persen saham": the unit may come before a counted noun.
    units = tokens[1:] if len(tokens) > 1 else [following.lower().strip(",.;:()")]
    for word in reversed(units):
        if word in UNIT_MEASURE:
            return UNIT_MEASURE[word]
        if re.fullmatch(r"(?:km|m|cm)[23]", word):
            return "area" if word.endswith("2") else "volume"
    return ""
