"""Article formats: plain text and Markdown are read as they are; HTML, PDF and Word files go
through llama-index readers (`SimpleDirectoryReader` with `llama-index-readers-file`'s PDF and
DOCX readers, and an HTML reader that keeps the main text). The extracted text is what gets
cleaned, chunked and quoted, and it is kept in the index so every quote stays verifiable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# Read as text, decoded by index.articles.decode.
TEXT = frozenset({".txt", ".md", ".markdown"})
# Extracted by a llama-index reader.
EXTRACTED = frozenset({".html", ".htm", ".pdf", ".docx"})
SUPPORTED = TEXT | EXTRACTED
# Elements of a page that are not its article.
_NOT_CONTENT = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
                "iframe", "svg", "button", "menu")
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "td", "div")


class FormatError(ValueError):
    """A file whose text cannot be extracted; the message says why."""


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def html_main_text(markup: str) -> str:
    """The article of an HTML page as text: the <article> (else <main>, else <body>) without
    scripts, styles, navigation, headers, footers or asides; the <h1> (else <title>) first,
    then its text in document order, a paragraph per block element and per run of text that
    a nested block or a <br> ends (so a container's own text is kept beside its inner blocks)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title_tag = soup.find("h1") or soup.find("title")
    title = " ".join(title_tag.get_text(" ").split()) if title_tag else ""
    for tag in soup(_NOT_CONTENT):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    paragraphs = [p for p in _paragraphs(root) if p != title]
    return "\n\n".join(([title] if title else []) + paragraphs)


def _paragraphs(root: Any) -> list[str]:
    """The text under `root`, one string per paragraph (see html_main_text)."""
    from bs4 import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = " ".join("".join(run).split())
        if text:
            out.append(text)
        run.clear()

    def walk(node: Any) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                run.append(str(child))
            elif isinstance(child, Tag) and child.name == "br":
                flush()
            elif isinstance(child, Tag) and child.name in _BLOCKS:
                flush()
                walk(child)
                flush()
            elif isinstance(child, Tag):
                walk(child)

    walk(root)
    flush()
    return out


def _html_reader() -> Any:
    from llama_index.core.readers.base import BaseReader
    from llama_index.core.schema import Document

    class MainTextHTMLReader(BaseReader):
        """llama-index reader for one HTML file: its main text (see html_main_text)."""

        def load_data(self, file: Path, extra_info: dict | None = None, fs: Any = None) -> list[Document]:
            raw = Path(file).read_bytes()
            charset = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", raw[:4096], re.IGNORECASE)
            markup = raw.decode(charset.group(1).decode() if charset else "utf-8", errors="replace")
            return [Document(text=html_main_text(markup), metadata=extra_info or {})]

    return MainTextHTMLReader()


def extract(path: Path) -> str:
    """The text of an HTML, PDF or DOCX file, through llama-index readers; FormatError with
    the reason when it has none or cannot be read."""
    from llama_index.core import SimpleDirectoryReader
    from llama_index.readers.file import DocxReader, PDFReader

    suffix = path.suffix.lower()
    html = _html_reader()
    extractors = {".pdf": PDFReader(return_full_document=True), ".docx": DocxReader(), ".html": html, ".htm": html}
    try:
        # SimpleDirectoryReader picks the extractor by the exact suffix, so name it in lower case.
        reader = SimpleDirectoryReader(input_files=[path], file_extractor={path.suffix: extractors[suffix]},
                                       raise_on_error=True)
        documents = reader.load_data(show_progress=False)
    except Exception as exc:  # noqa: BLE001 - each reader fails in its own way
        kind = suffix.lstrip(".").upper()
        raise FormatError(f"cannot be read as {kind} ({type(exc).__name__}: {' '.join(str(exc).split())[:100]})") from None
    text = "\n\n".join(d.text.strip() for d in documents if d.text and d.text.strip())
    if not text:
        what = "no text layer (a scanned PDF?)" if suffix == ".pdf" else "no text"
        raise FormatError(f"{what}")
    return text
