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
    nya pun lah kah tah yg dgn utk tsb nama melalui lewat tentang terhadap kepada atas bagi
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


# Nasal prefixes swallow the first letter of the root (meng+kutip -> mengutip); the stemmer
# must guess which letter, and guesses differently for "mengutip" and "dikutip".
_PREFIX_RESTORE = (
    ("meng", ("", "k")), ("meny", ("s",)), ("mem", ("", "p")), ("men", ("", "t")), ("me", ("",)),
    ("peng", ("", "k")), ("peny", ("s",)), ("pem", ("", "p")), ("pen", ("", "t")), ("pe", ("",)),
)


def variants(word: str) -> tuple[str, ...]:
    """Stems a word may share with other forms of its root: Snowball's stem first, then the
    stems of the word with its nasal prefix undone each plausible way."""
    out = [stem(word)]
    for prefix, restores in _PREFIX_RESTORE:
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 4 and rest[0] in "aeiou":
            out += [stem(letter + rest) for letter in restores]
            break
    return tuple(dict.fromkeys(out))
