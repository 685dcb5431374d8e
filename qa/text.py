"""Words, stems and stopwords: the one tokenizer shared by BM25 and the answerer."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import EN_STOPWORDS, ID_FUNCTION_WORDS

WORD = re.compile(r"\w+")

# Function words that carry no topic in either language; question words included.
STOPWORDS = frozenset(ID_FUNCTION_WORDS) | EN_STOPWORDS | frozenset(
    """
    apakah siapakah berapakah kapankah dimanakah manakah bagaimanakah mengapakah
    nya pun lah kah tah yg dgn utk tsb nama
    """.split()
) - {"us"}


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("indonesian")


def words(text: str) -> list[str]:
    """Lowercase word tokens (digits included)."""
    return WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's Indonesian stem of one lowercase word."""
    return _stemmer().stemWord(word)


def terms(tokens: list[str]) -> list[str]:
    """Stemmed content terms of lowercase tokens, stopwords dropped."""
    return [stem(t) for t in tokens if t not in STOPWORDS]
