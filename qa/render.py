"""Say an Indonesian answer in English for English questions: typed values (durations, dates,
quantities) in full, and short spans word by word where the lexicon knows every word."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import OVERRIDES
from .values import Value

_DAYS = dict(zip(
    "senin selasa rabu kamis jumat jum'at sabtu minggu".split(),
    "Monday Tuesday Wednesday Thursday Friday Friday Saturday Sunday".split(),
))
_MONTHS = dict(zip(
    "januari februari pebruari maret april mei juni juli agustus september oktober november nopember desember".split(),
    "January February February March April May June July August September October November November December".split(),
))
_MONTH_NUMBERS = ["", "January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]
_UNITS = {
    "jam": "hour", "menit": "minute", "detik": "second", "hari": "day", "minggu": "week",
    "pekan": "week", "bulan": "month", "tahun": "year", "dekade": "decade", "abad": "century",
    "persen": "percent", "ribu": "thousand", "juta": "million", "miliar": "billion",
    "milyar": "billion", "triliun": "trillion",
}
_NUMBER_WORDS = {
    "satu": "one", "dua": "two", "tiga": "three", "empat": "four", "lima": "five", "enam": "six",
    "tujuh": "seven", "delapan": "eight", "sembilan": "nine", "sepuluh": "ten", "sebelas": "eleven",
    "seratus": "a hundred", "seribu": "a thousand", "sejuta": "a million", "setengah": "half",
    "belasan": "dozens of", "puluhan": "tens of", "ratusan": "hundreds of", "ribuan": "thousands of",
    "jutaan": "millions of", "miliaran": "billions of",
}
_QUALIFIERS = {
    "sekitar": "about", "kurang lebih": "about", "hampir": "almost", "lebih dari": "more than",
    "kurang dari": "less than", "sedikit": "just",
}


@lru_cache(maxsize=1)
def _indonesian_to_english() -> dict[str, str]:
    """Reverse of the curated overrides: for each Indonesian term the first English entry that
    lists it, an abbreviation for an abbreviation ("AS" -> "US") and a word for a word
    ("eropa" -> "europe", not "eu")."""
    best: dict[str, tuple[bool, int, str]] = {}
    for order, (english, translations) in enumerate(OVERRIDES.items()):
        for word in translations:
            candidate = (_short(english) != _short(word), order, english)
            if word not in best or candidate < best[word]:
                best[word] = candidate
    return {word: english for word, (_, _, english) in best.items()}


def _short(word: str) -> bool:
    return len(word) <= 3


def _number(token: str) -> str:
    """'49,07' -> '49.07', '181.549' -> '181,549'; words through the table."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", token):
        return token.replace(".", ",")
    if re.fullmatch(r"\d+,\d+", token):
        return token.replace(",", ".")
    return _NUMBER_WORDS.get(token.lower(), token)


def _unit(word: str, previous: str) -> str:
    """English unit, plural unless the number before it is one."""
    english = _UNITS[word]
    if english in ("thousand", "million", "billion", "trillion", "percent"):
        return english + ("s" if previous.endswith(" of") else "")
    if previous in ("1", "one", "a", "half"):
        return english
    return "centuries" if english == "century" else english + "s"


def _words(value: str) -> str:
    """Translate a number-and-unit phrase word by word: 'puluhan ribu pasukan' -> 'tens of
    thousands of troops'."""
    out: list[str] = []
    for token in value.split():
        low = token.lower()
        if low in _JOINS:
            out.append(_JOINS[low])
        elif low in _UNITS:
            out.append(_unit(low, out[-1] if out else ""))
        elif low[:1].isdigit() or low in _NUMBER_WORDS:
            out.append(_number(token))
        else:
            english = _indonesian_to_english().get(low)
            previous = out[-1] if out else ""
            # "puluhan ribu pasukan" -> "... of troops": a counted noun after more than one.
            plural = english and previous not in ("1", "one", "a") and not english.endswith("s")
            out.append(english + "s" if plural else english or token)
    return re.sub(r"\b(thousands|millions|billions) (?!of\b)(?=\w)", r"\1 of ", " ".join(out))


def _date(value: str) -> str:
    """'Rabu (5/2/2026)' -> 'Wednesday, 5 February 2026'; 'tahun 2005' -> '2005'."""
    value = re.sub(r"^tahun\s+", "", value, flags=re.IGNORECASE)
    tokens = re.findall(r"[\w']+", value)
    day = next((_DAYS[w.lower()] for w in tokens if w.lower() in _DAYS), "")
    slash = re.search(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", value)
    if slash and not 1 <= int(slash[2]) <= 12:
        return value  # not day/month/year: left as written
    if slash:
        rest = f"{int(slash[1])} {_MONTH_NUMBERS[int(slash[2])]}" + (f" {slash[3]}" if slash[3] else "")
    else:
        rest = " ".join(_MONTHS.get(w.lower(), w) for w in tokens if w.lower() not in _DAYS)
    return ", ".join(part for part in (day, rest) if part)


SHORT_SPAN = 3  # words: longer answers stay as written
_JOINS = {"dan": "and", "atau": "or"}


_BULAN = ["", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember"]
_SLASH_DATE = re.compile(r"\(?(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\)?")


def _tanggal(value: str) -> str:
    """A date written with slashes said in words, in Indonesian: 'Rabu (5/2/2026)' -> 'Rabu,
    5 Februari 2026'; any other date as written."""
    slash = _SLASH_DATE.search(value)
    if not slash or not 1 <= int(slash[2]) <= 12:
        return value
    words = f"{int(slash[1])} {_BULAN[int(slash[2])]}" + (f" {slash[3]}" if slash[3] else "")
    before = value[: slash.start()].strip().rstrip(",")
    return f"{before}, {words}" if before else words


def render(value: Value, english: bool) -> str:
    """The value to show: the Indonesian span as written (a date with slashes in words), or an
    English rendering."""
    if not english:
        return _tanggal(value.value) if value.kind == "date" else f"{value.qualifier} {value.value}".strip()
    if value.kind == "date":
        return _date(value.value)
    if value.kind in ("duration", "quantity"):
        qualifier = _QUALIFIERS.get(value.qualifier, value.qualifier)
        return f"{qualifier} {_words(value.value)}".strip()
    return _translated(value.value)


def _translated(text: str) -> str:
    """A short span in English when the lexicon knows it and the word order carries over: a
    term of the lexicon ("Rusia" -> "Russia", "juru bicara" -> "spokesman") or such terms joined
    by "dan"/"atau" ("Ukraina dan Eropa" -> "Ukraine and Europe"). An Indonesian noun phrase
    puts its modifiers after the head, so a phrase such as "pemerintah Rusia" is left as
    written rather than said word by word in the wrong order."""
    whole = _indonesian_to_english().get(" ".join(text.lower().split()))
    if whole:
        return _cased(text.split()[0], whole)
    tokens = text.split()
    words, joins = tokens[::2], tokens[1::2]
    if len(tokens) > SHORT_SPAN or any(j.lower() not in _JOINS for j in joins):
        return text
    english = [_indonesian_to_english().get(t.lower()) for t in words]
    if not all(english):
        return text
    said = [_cased(words[0], english[0])]
    for join, word, term in zip(joins, words[1:], english[1:]):
        said += [_JOINS[join.lower()], _cased(word, term)]
    return " ".join(said)


def _cased(source: str, english: str) -> str:
    """`english` cased like the word it translates: an abbreviation for an abbreviation ("AS"
    -> "US"), capitalised for a capitalised word ("KTT" -> "Summit", "Rusia" -> "Russia")."""
    if len(source) > 1 and source.isupper() and _short(english):
        return english.upper()
    return english.capitalize() if source[:1].isupper() else english
