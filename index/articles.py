"""Read article files: decode them, find the title and dateline, and mark the content worth indexing."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

# Bumped whenever parsing or chunking changes, so a re-sync re-indexes every article.
PIPELINE_VERSION = "4"

# Lines that link to other stories ("Baca Juga: ...") are navigation, not content.
_LINK_LINE = re.compile(
    r"^\s*(baca\s+juga|selanjutnya|menarik\s+dibaca|lihat\s+juga|simak\s+juga|tonton\s+juga|"
    r"berita\s+terkait|artikel\s+terkait|cek\s+berita|read\s+more|see\s+also)\s*:",
    re.IGNORECASE,
)
# "KONTAN.CO.ID - BEIJING. ", "JAKARTA, KOMPAS.com - ", "Sichuan, Kompas - ", "Jakarta (ANTARA) - "
_DATELINES = (
    re.compile(r"(?P<source>[A-Z][\w]*(?:\.[\w]+)+|[A-Z]{2,}\w*)\s*[-–—]\s*(?P<place>[A-Z][A-Z .']{1,40}?)\.\s+"),
    # The sentence after a dateline starts anew: "Menurut Reuters, Budi - direktur pabrik -" is
    # an aside in running text, not a place and a source.
    re.compile(r"(?P<place>[A-Z][\w'.]*(?: [A-Z][\w'.]*){0,3}),\s*(?P<source>[A-Z][\w.]{1,30})\s*[-–—]\s+"
               r"(?=[A-Z0-9\"“'‘])"),
    re.compile(r"(?P<place>[A-Z][\w'.]*(?: [A-Z][\w'.]*){0,3})\s*\((?P<source>[A-Za-z.]{2,30})\)\s*[-–—]\s+"),
)
FORMATS = ".txt, .md, .html, .pdf or .docx"
_END_PUNCT = tuple(".,;:!?\"'”’)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Byte order marks of the encodings read without guessing (UTF-32 first: its little-endian
# mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class ArticleError(ValueError):
    """An article file that cannot be indexed; the message names the file and what to do."""


@dataclass(frozen=True)
class Article:
    """One parsed article. Offsets everywhere point into `text`."""

    name: str
    text: str
    digest: str
    title: str
    source: str = ""
    place: str = ""
    blocks: tuple[tuple[int, int], ...] = ()
    warning: str = ""
    headline: bool = False  # False when the file has no headline and the title is its name


def digest_of(raw: bytes) -> str:
    """Content hash that also changes when the parsing pipeline changes."""
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + raw).hexdigest()


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """Return (text, warning). UTF-8 (with or without BOM) is expected, UTF-16 and UTF-32 are
    read by their BOM; Windows-1252/Latin-1 is accepted with a warning. Newlines are normalised as Python's text mode does."""
    if not raw.strip():
        raise ArticleError(f"{name}: empty file; add the article's text or remove the file")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return _normalised(raw[len(bom):].decode(codec), name), ""
            except UnicodeDecodeError as exc:
                raise ArticleError(f"{name}: starts like {codec.upper()} but is not ({exc.reason}); "
                                   "re-save it as UTF-8") from None
    if b"\x00" in raw:
        raise ArticleError(f"{name}: binary file, not text; save the article as a UTF-8 .txt file")
    warning = ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # UTF-8 with a few broken bytes (a bad paste, a cut file) keeps its other accents: it is
        # UTF-8 when its valid multi-byte characters outnumber the bytes that are not.
        replaced = raw.decode("utf-8-sig", errors="replace")
        broken = replaced.count("\ufffd") - raw.count("\ufffd".encode())
        wide = sum(1 for c in replaced if ord(c) > 127 and c != "\ufffd")
        if wide > broken:
            text = replaced
            warning = (f"{name}: UTF-8 with {broken} broken character{'s' if broken > 1 else ''}, shown as "
                       "\ufffd; re-save it as UTF-8 to mend them")
        else:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            warning = f"{name}: not UTF-8, read as Windows-1252; re-save it as UTF-8 to be sure of its accents"
    return _normalised(text, name), warning


def _normalised(text: str, name: str) -> str:
    """Text with newlines normalised; a one-line error for binary content or no content."""
    if len(_CONTROL.findall(text)) > max(3, len(text) // 100):
        raise ArticleError(f"{name}: binary file, not text; save the article as a UTF-8 .txt file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError(f"{name}: empty file; add the article's text or remove the file")
    return text


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line without its newline."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_headline(line: str) -> bool:
    """A short line of a few words that does not end like a sentence."""
    words = line.split()
    return 2 <= len(words) <= 20 and len(line) <= 160 and not line.rstrip().endswith(_END_PUNCT)


def _is_heading(line: str) -> bool:
    """A sub-heading inside the body: a short capitalised line without closing punctuation."""
    words = line.split()
    return 1 <= len(words) <= 10 and line[:1].isupper() and not line.rstrip().endswith(_END_PUNCT)


def parse(raw: bytes, name: str) -> Article:
    """Parse raw file bytes into an Article, or raise ArticleError with a one-line reason."""
    text, warning = decode(raw, name)
    all_lines = [(s, e) for s, e in _lines(text) if text[s:e].strip()]
    lines = all_lines
    title = ""
    first_s, first_e = lines[0]
    if len(lines) > 1 and _is_headline(text[first_s:first_e]):
        title = text[first_s:first_e].strip().lstrip("#").strip()  # a Markdown "# Headline" too
        lines = lines[1:]
    blocks: list[tuple[int, int]] = []
    current: list[int] | None = None
    for s, e in lines:
        line = text[s:e]
        if _LINK_LINE.match(line) or _is_heading(line):
            current = None
            continue
        s += len(line) - len(line.lstrip())
        e -= len(line) - len(line.rstrip())
        if current is None:
            current = [s, e]
            blocks.append(current)  # type: ignore[arg-type]
        else:
            current[1] = e
    if not blocks:
        # Nothing but short heading-like lines: they are the article itself.
        title = ""
        blocks = [[s, e] for s, e in all_lines if not _LINK_LINE.match(text[s:e])]
    if not blocks:
        raise ArticleError(f"{name}: no article text, only headings or links; add the body or remove the file")
    source, place = "", ""
    start = blocks[0][0]
    for pattern in _DATELINES:
        m = pattern.match(text, start)
        if m and m.end() < blocks[0][1]:
            source, place = m["source"], m["place"].strip()
            place = place.title() if place.isupper() else place
            blocks[0][0] = m.end()
            break
    headline = bool(title)
    if not title:  # no headline: the file's name says which article it is
        title = Path(name).stem
    return Article(
        name=name,
        text=text,
        digest=digest_of(raw),
        title=title,
        source=source,
        place=place,
        blocks=tuple((s, e) for s, e in blocks),
        warning=warning,
        headline=headline,
    )


def read_article(path: Path, raw: bytes | None = None) -> Article:
    """Read and parse one file (`raw`: its bytes, when already read). Plain text and Markdown
    are decoded here; HTML, PDF and DOCX go through llama-index readers (index.formats), and
    the extracted text is the article's text."""
    from .formats import TEXT, FormatError, extract, supported

    if not supported(path):
        raise ArticleError(f"{path.name}: not an article format; save it as {FORMATS}")
    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        raise ArticleError(f"{path.name}: cannot be read ({exc.strerror}); check its permissions") from exc
    if path.suffix.lower() in TEXT:
        return parse(raw, path.name)
    if not raw.strip():
        raise ArticleError(f"{path.name}: empty file; add the article's text or remove the file")
    try:
        text = extract(path)
    except FormatError as exc:
        raise ArticleError(f"{path.name}: {exc}; save the article as .txt or re-export it") from None
    return replace(parse(text.encode("utf-8"), path.name), digest=digest_of(raw))


def article_files(folder: Path) -> list[Path]:
    """Every visible file of a folder, sorted (the sync says why it skips those that are not
    articles); a one-line error when none is in an article format."""
    from .formats import supported

    if not folder.is_dir():
        raise ArticleError(f"{folder}: no such folder; pass the folder that holds the articles")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not any(supported(p) for p in files):
        raise ArticleError(f"{folder}: no articles in this folder; add {FORMATS} files to index")
    return files
