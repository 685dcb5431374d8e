"""Typed values: tell whether an answer span is a duration, a date or a quantity, so that an
English question gets it said in English (`render.py`) and disagreeing sources can be compared.

The patterns only classify, split and complete what the reader already chose; they never pick
answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_CURRENCY = r"(?:Rp\.?|US\$|USD|\$|€|£)"

DURATION = re.compile(
    rf"(?:(?P<q>{_QUALIFIER})\s+)?(?P<v>{_NUMBER}\s*{_TIME_UNIT}\b(?:\s+(?:(?:dan|and)\s+)?{_NUMBER}\s*{_TIME_UNIT}\b)*)",
    re.IGNORECASE,
)
DATE = re.compile(
    rf"(?P<v>(?:(?:{_DAYS})\s*,?\s*)?(?:\(\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\)|\d{{1,2}}\s+(?:{_MONTHS})\b\.?(?:\s+\d{{4}})?"
    rf"|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)"
    rf"|(?:{_MONTHS})\s+\d{{4}}|(?:tahun\s+)?\b(?:1[5-9]\d\d|20\d\d)\b(?:\s*-\s*an)?|\b(?:{_DAYS})\b|\b(?:{_MONTHS})\b)"
)
QUANTITY = re.compile(
    rf"(?:(?P<q>{_QUALIFIER})\s+)?(?P<v>(?:{_CURRENCY}\s?)?{_NUMBER}{_SCALE}(?:\s?[-–]\s?(?:{_CURRENCY}\s?)?{_NUMBER}{_SCALE})?"
    rf"(?:\s+[^\W\d_][\w/]*){{0,2}})",
    re.IGNORECASE,
)
KINDS = (("duration", DURATION), ("date", DATE), ("quantity", QUANTITY))


@dataclass(frozen=True)
class Value:
    """An answer span read as a typed value: `kind` is duration, date, quantity or other;
    `value` is the span without its `qualifier` ("sekitar", "about")."""

    kind: str
    value: str
    qualifier: str = ""


def typed(text: str) -> Value:
    """Classify a whole answer span; "other" when no pattern covers all of it."""
    text = " ".join(text.split()).strip(" ,.;:")
    for kind, pattern in KINDS:
        m = pattern.fullmatch(text)
        if m:
            return Value(kind, m["v"], (m.groupdict().get("q") or "").lower())
    return Value("other", text)


# Units from the longest: a compound duration names them in this order ("1 jam 25 menit").
_UNIT_GROUPS = (("abad", "century"), ("dekade", "decade"), ("tahun", "year"), ("bulan", "month"),
                ("minggu", "pekan", "week"), ("hari", "day"), ("jam", "hour"), ("menit", "minute"),
                ("detik", "second"))
_RANK = {unit: rank for rank, group in enumerate(_UNIT_GROUPS) for unit in group}
_UNIT = re.compile(rf"\b{_TIME_UNIT}\b", re.IGNORECASE)


def _compound(duration: str) -> bool:
    """True when each unit is shorter than the one before: one length of time in parts
    ("1 jam 25 menit"), not a list of lengths ("8 tahun dan 6 tahun", "24 jam 7 hari")."""
    ranks = [_RANK[u.lower().removesuffix("s")] for u in _UNIT.findall(duration)]
    return all(a < b for a, b in zip(ranks, ranks[1:]))


_HEDGE_BEFORE = re.compile(rf"(?<![\w-])(?:{_QUALIFIER})\s+$", re.IGNORECASE)


def complete(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen the span `text[start:end]` to the whole duration it lies inside when it cuts one
    short ("25 menit" of "1 jam 25 menit"), and to the hedge just before a duration or a
    quantity ("sekitar 1 jam 25 menit", "lebih dari dua juta orang"): the text says "about",
    so the answer does too. Any other span comes back unchanged. The parts of one duration add
    up, so part of it is another, wrong, length of time; part of a date ("September" of
    "September 2025") is still true, only coarser, and is left as the reader chose it. Widening
    a duration changes no gold answer of IDK-MRC (train, valid) or FacQA train. The hedge is
    where annotators differ: IDK-MRC's leave it out (it is added to 50 of 5,033 train and 3
    of 399 valid answers), FacQA's keep it in 30 answers and leave it out of 18 (of 2,495)."""
    stop = end
    while stop > start and text[stop - 1] in " ,.;:":
        stop -= 1
    kind = typed(text[start:stop])
    if kind.kind not in ("duration", "quantity"):
        return start, end  # a bare number ("40" of "40 minggu") answers "how many weeks?"
    if kind.kind == "duration":
        for m in DURATION.finditer(text):
            a, b = m.span("v")
            if m.start() > stop:
                break
            if m.start() <= start and stop <= b and not (start <= a and stop == b) and _compound(m["v"]):
                return m.start(), b
    if not kind.qualifier:
        hedge = _HEDGE_BEFORE.search(text, max(0, start - 24), start)
        if hedge:
            return hedge.start(), end
    return start, end
