"""Build a compact English -> Indonesian lexicon TSV from the FreeDict dictd files.

A dictd dictionary is a gzip-compressed text file (.dict.dz) plus an index
(.index) whose lines are ``headword<TAB>offset<TAB>length`` with offset and
length in base64 digits. Each indexed entry looks like::

    meeting /ˈmiːtɪŋ/ <n>
    1. rapat
    2. temu
    encounter between people
    3. pertemuan
    gathering for a purpose

The line after the headword and every ``N. `` line hold comma-separated
translations; the other lines are English glosses or bare sense numbers.
"""

from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

DEFAULT_DICT = Path("/usr/share/dictd/freedict-eng-ind.dict.dz")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "lexicon_en_id.tsv"
MAX_TRANSLATIONS = 4
HEADER = """\
# English -> Indonesian lexicon (headword<TAB>translation|translation|...).
# Source: FreeDict English-Indonesian dictionary (FreeDict+WikDict, edition 2022.11.18),
#   Debian package dict-freedict-eng-ind; copyright 2000-2022 FreeDict contributors.
# Licence: Creative Commons Attribution-ShareAlike 3.0 Unported (CC BY-SA 3.0),
#   https://creativecommons.org/licenses/by-sa/3.0/
# This file is a derived work (entries filtered, cleaned and truncated by
#   qa/data/build_lexicon.py) and is distributed under the same licence.
"""

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_SINGLE_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
_SENSE_NUMBER = re.compile(r"^\d+\. ")
_TRAILING_SENSE = re.compile(r" \d+\.$")
_WIKI_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_PARENTHESES = re.compile(r"\([^)]*\)")


def _b64_number(digits: str) -> int:
    value = 0
    for digit in digits:
        value = value * 64 + _B64.index(digit)
    return value


def _headword(line: str) -> str:
    """Return the headword of an entry's first line (drops IPA and part of speech)."""
    return re.split(r" /| <", line, maxsplit=1)[0].strip().lower()


def _translations(line: str) -> list[str]:
    """Split one translation line into cleaned, lowercase translations."""
    line = _TRAILING_SENSE.sub("", _SENSE_NUMBER.sub("", line))
    line = _PARENTHESES.sub("", _WIKI_LINK.sub(r"\1", line))
    items = (re.sub(r"[^\w\s'-]", " ", item) for item in re.split(r"[,/]", line))
    return [" ".join(item.lower().split()) for item in items if item.strip()]


def read_entries(dict_path: Path, index_path: Path) -> dict[str, list[str]]:
    """Map single-word English headwords to their translations in dictionary order."""
    data = gzip.decompress(dict_path.read_bytes())
    entries: dict[str, list[str]] = {}
    for row in index_path.read_text(encoding="utf-8").splitlines():
        name, offset, length = row.split("\t")
        if name.startswith("00database"):
            continue
        start = _b64_number(offset)
        lines = data[start : start + _b64_number(length)].decode("utf-8").splitlines()
        headword = _headword(lines[0])
        if len(lines) < 2 or not _SINGLE_WORD.fullmatch(headword):
            continue
        translation_lines = [lines[1], *(line for line in lines[2:] if _SENSE_NUMBER.match(line))]
        found = entries.setdefault(headword, [])
        for line in translation_lines:
            found.extend(t for t in _translations(line) if t not in found)
    return entries


def write_lexicon(entries: dict[str, list[str]], output: Path) -> int:
    """Write the TSV (single-word translations first) and return the number of rows."""
    rows = []
    for headword in sorted(entries):
        best = sorted(entries[headword], key=lambda t: " " in t)[:MAX_TRANSLATIONS]
        if best:
            rows.append(f"{headword}\t{'|'.join(best)}\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(HEADER + "".join(rows), encoding="utf-8")
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dict_path", nargs="?", type=Path, default=DEFAULT_DICT,
                        help=f"dictd .dict.dz file (default: {DEFAULT_DICT})")
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT,
                        help="output TSV (default: qa/data/lexicon_en_id.tsv)")
    parser.add_argument("--index", type=Path,
                        help="dictd .index file (default: next to the .dict.dz file)")
    args = parser.parse_args()
    dict_path: Path = args.dict_path
    index = args.index or dict_path.with_name(dict_path.name.replace(".dict.dz", ".index"))
    count = write_lexicon(read_entries(dict_path, index), args.output)
    print(f"wrote {count} entries to {args.output}")


if __name__ == "__main__":
    main()
