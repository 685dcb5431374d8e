"""English-like questions for fitting the decision: Indonesian questions rewritten word by word.

IDK-MRC asks only in Indonesian, yet people ask the product in English about Indonesian
articles, and the reader scores such questions lower: its no-answer score rises, so a decision
fitted on Indonesian questions alone declines English questions it reads right. Rewriting a
share of IDK-MRC's questions into English with the bilingual dictionary the product already
ships (`qa.lexicon`, read backwards) gives the decision English questions over the same
paragraphs and answers, on train to fit and on valid to choose the threshold. Words the
dictionary lacks, names and numbers stay as they are, so the result is code-mixed rather than
fluent English. (Training the reader itself on such questions was tried and made real English
questions worse; see the reader card.)
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any

from ..lexicon import _curated, load_lexicon

# Indonesian question phrases and function words -> English: the closed class the dictionary
# translates badly or not at all. Longest phrases are tried first.
_FUNCTION = {
    "berapa lama": "how long", "berapa lamakah": "how long", "berapa banyak": "how many",
    "berapa jumlah": "how many", "berapa jauh": "how far", "berapa besar": "how much",
    "berapa umur": "how old", "berapa usia": "how old", "tahun berapa": "what year",
    "tanggal berapa": "what date", "bulan apa": "what month", "hari apa": "what day",
    "di mana": "where", "di manakah": "where", "dimana": "where", "dimanakah": "where",
    "ke mana": "where", "kemana": "where", "dari mana": "where from", "dari manakah": "where from",
    "siapa": "who", "siapakah": "who", "kapan": "when", "kapankah": "when",
    "berapa": "how many", "berapakah": "how many", "apa": "what", "apakah": "what",
    "mengapa": "why", "kenapa": "why", "bagaimana": "how", "bagaimanakah": "how",
    "manakah": "which", "mana": "which",
    "yang": "that", "dan": "and", "atau": "or", "di": "in", "ke": "to", "dari": "from",
    "untuk": "for", "dengan": "with", "pada": "on", "oleh": "by", "dalam": "in",
    "adalah": "is", "ialah": "is", "merupakan": "is", "tersebut": "the", "itu": "that",
    "ini": "this", "tidak": "not", "bukan": "not", "akan": "will", "sudah": "already",
    "telah": "has", "sedang": "is", "juga": "also", "karena": "because", "saat": "when",
    "ketika": "when", "sebagai": "as", "bahwa": "that", "antara": "between", "sejak": "since",
    "hingga": "until", "sampai": "until", "para": "the", "sang": "the", "nya": "its",
}
_QUESTION = frozenset(v for k, v in _FUNCTION.items() if v.startswith(("how", "what", "where", "who",
                                                                        "when", "why", "which")))
_WORD = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]")
MAX_PHRASE = 3


@lru_cache(maxsize=1)
def id_to_en() -> dict[str, str]:
    """Indonesian word or phrase -> one English headword: the curated news tables first, then
    the dictionary; the first headword that lists a translation keeps it."""
    out: dict[str, str] = {}
    for table in (_curated(), load_lexicon()):
        for english, translations in table.items():
            for indonesian in translations:
                out.setdefault(indonesian.lower(), english)
    out.update(_FUNCTION)
    return out


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("indonesian")


def _english(key: str, table: dict[str, str]) -> str | None:
    """The English for an Indonesian word or phrase, trying a single word's stem
    ("dilahirkan" -> "lahir") when the word itself is not in the table."""
    if key in table:
        return table[key]
    return table.get(_stemmer().stemWord(key)) if " " not in key else None


def to_english(question: str, rng: random.Random, keep: float = 0.1) -> str:
    """`question` with its Indonesian words and phrases replaced by English ones where the
    dictionary has them (each content word kept as it is with probability `keep`); names
    (capitalised words after the first), numbers and punctuation stay. A question phrase found
    later in the sentence moves to the front ("Putin lahir tahun berapa?" -> "what year Putin
    born?")."""
    table = id_to_en()
    tokens = _WORD.findall(question)
    out: list[str] = []
    front: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            words = tokens[i : i + n]
            key = " ".join(w.lower() for w in words)
            name = any(w[:1].isupper() for w in (words if i else words[1:]))
            english = None if name or not key[:1].isalpha() else _english(key, table)
            if english:
                if key in _FUNCTION or rng.random() >= keep:
                    (front if english in _QUESTION and i and not front else out).append(english)
                else:
                    out += words
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    text = " ".join(front + out)
    text = re.sub(r"\s+([?.,!;:])", r"\1", text)
    return text[:1].upper() + text[1:]
