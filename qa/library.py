"""The article folder as people manage it from the chat page: add a file, remove one, notice
files changed by someone else.

Adding checks a file before it touches the folder (size, format, that it parses into an
article), so a bad upload gets one line and changes nothing. Names are made safe (letters,
digits, dot, dash, underscore; the extension kept and lower-cased) and never overwrite another
article: a second file of the same name gets a number. The index itself is updated by a sync
(`Bot.sync`), which is what every caller does next."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.articles import FORMATS, ArticleError, read_article
from index.formats import supported
from index.settings import env_number

# Largest file accepted from the page (QA_MAX_UPLOAD_MB): a news article is a few hundred KB
# even as a PDF with pictures.
MAX_UPLOAD_MB = 20.0
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class LibraryError(ValueError):
    """A file that cannot be added or removed; the message names it and says what to do."""


@dataclass(frozen=True)
class Added:
    name: str  # the file name in the folder
    title: str
    warning: str = ""  # how it was read, when that needs saying ("not UTF-8, read as ...")
    already: bool = False  # the folder held the same bytes already (as `name`): nothing written


def max_upload_bytes() -> int:
    return int(env_number("QA_MAX_UPLOAD_MB", MAX_UPLOAD_MB, 0.001) * 2**20)


def safe_name(name: str) -> str:
    """A file name that is safe in any folder: no path, no spaces or odd characters, a known
    extension in lower case; accents are folded ("Berita Xi–Putin.HTML" -> "Berita_Xi_Putin.html")."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    folded = "".join(c if c.isascii() else "_" for c in unicodedata.normalize("NFKD", stem)
                     if not unicodedata.combining(c))
    stem = _UNSAFE.sub("_", folded).strip("._-")[:80] or "article"
    return f"{stem}{suffix.lower()}"


class ArticleFolder:
    """The folder of articles the bot indexes."""

    def __init__(self, folder: Path | str) -> None:
        self.path = Path(folder)

    def add(self, source: Path | str, name: str | None = None) -> Added:
        """Copy the file at `source` into the folder as `name` (default: its own name), made
        safe and unique; raises LibraryError when it is too big, not an article format, or
        cannot be read as an article."""
        source = Path(source)
        shown = Path(name or source.name).name
        target_name = safe_name(shown)
        if not supported(Path(target_name)):
            raise LibraryError(f"{shown}: not an article format; upload {FORMATS} files")
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise LibraryError(f"{shown}: cannot be read ({exc.strerror}); upload it again") from None
        limit = max_upload_bytes()
        if size > limit:
            raise LibraryError(f"{shown}: {size / 2**20:.1f} MB is over the {limit / 2**20:.0f} MB limit "
                               "(QA_MAX_UPLOAD_MB); upload the article's text instead")
        with tempfile.TemporaryDirectory(prefix="upload-") as work:
            # Parsed under its final name, so format detection and the error message match.
            probe = Path(work) / target_name
            shutil.copyfile(source, probe)
            try:
                article = read_article(probe)
            except ArticleError as exc:
                raise LibraryError(str(exc).replace(target_name, shown, 1)) from None
            self.path.mkdir(parents=True, exist_ok=True)
            raw = probe.read_bytes()
            same = self._holding(raw)
            if same is not None:
                return Added(same.name, article.title, already=True)
            target = self._unique(target_name)
            tmp = self.path / f".{target.name}.part"
            shutil.copyfile(probe, tmp)
            tmp.replace(target)  # an article appears whole or not at all
        return Added(target.name, article.title, article.warning.removeprefix(f"{target_name}: "))

    def _holding(self, raw: bytes) -> Path | None:
        """The article file in the folder with exactly these bytes, if any."""
        try:
            entries = [p for p in self.path.iterdir() if p.is_file() and not p.name.startswith(".") and supported(p)]
        except OSError:
            return None
        for path in sorted(entries):
            try:
                if path.stat().st_size == len(raw) and path.read_bytes() == raw:
                    return path
            except OSError:
                continue
        return None

    def _unique(self, name: str) -> Path:
        """`name` in the folder, numbered when another file has it."""
        stem, suffix = os.path.splitext(name)
        for n in range(1, 1000):
            candidate = self.path / (name if n == 1 else f"{stem}-{n}{suffix}")
            if not candidate.exists():
                return candidate
        raise LibraryError(f"{name}: too many files of this name; rename it and upload again")

    def remove(self, name: str) -> None:
        """Delete article `name` from the folder (the next sync drops it from the index)."""
        path = self.path / Path(name).name
        if Path(name).name != name or name.startswith(".") or not supported(path) or not path.is_file():
            raise LibraryError(f"{name!r}: no such article in {self.path}; refresh the list")
        others = [p for p in self.path.iterdir() if p.is_file() and p != path and not p.name.startswith(".")
                  and supported(p)]
        if not others:
            raise LibraryError(f"{name}: it is the only article; add another before removing it")
        path.unlink()

    def signature(self) -> tuple[tuple[str, int, int], ...]:
        """(name, size, mtime in ns) of every visible file: it changes when a file is added,
        removed or rewritten, without reading any file."""
        try:
            entries = list(os.scandir(self.path))
        except OSError:
            return ()
        out = []
        for e in entries:
            if e.name.startswith(".") or not e.is_file():
                continue
            try:
                st = e.stat()
            except OSError:
                continue
            out.append((e.name, st.st_size, st.st_mtime_ns))
        return tuple(sorted(out))
