"""Optional generation: an OpenAI-compatible LLM answers from the retrieved passages, and every
citation it gives is checked before anyone sees it.

The model gets the passages numbered [1]..[k] and must reply in a tagged, line-based format,
chosen over JSON so that the answer can be shown while it streams:

    ANSWER: The call lasted about 1 hour 25 minutes [1].
    QUOTES:
    [1] "pembicaraan antara Putin dan Xi berlangsung selama sekitar 1 jam 25 menit"

Each [n] in the answer points at passage n and must be backed by a QUOTES line for passage n
whose text occurs in that passage word for word (compared after collapsing whitespace and
folding typographic quotes and dashes to ASCII, which keeps offsets). Verified quotes become the
citations, with article offsets. A sentence none of whose markers is backed, or which has no
marker, is left out and counted; when no sentence is left, `LLMError` tells the caller to fall
back to the extractive reader.

The endpoint is reached through llama-index's `OpenAILike`, so Ollama, llama.cpp's server,
vLLM and OpenAI itself all work; it is imported only when an LLM is configured.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .answer import NOT_FOUND, Answer, Citation
from .retrieve import Chunk

# A quote shorter than this many words proves little ("Putin" occurs everywhere).
MIN_QUOTE_WORDS = 3
# Passages longer than this are cut for the prompt (small local models have small contexts).
PASSAGE_CHARS = 1500
DEFAULT_TIMEOUT = 8.0
DEFAULT_TOTAL = 90.0
MAX_TOKENS = 600

SYSTEM = """You answer questions about news articles using only the numbered passages you are given.
Reply in exactly this format and nothing else:
ANSWER: <the answer in {language}: short, every sentence ending with the number of the passage it rests on, like [2]>
QUOTES:
[2] "<the sentence of passage 2 that supports it, copied character for character>"
Write one QUOTES line for every passage number you use. Copy quotes exactly as they are written
in the passage, in the passage's language: do not translate, shorten or reword them.
If the passages do not answer the question, reply with the single line: ANSWER: NOT FOUND"""

_ANSWER_TAG = re.compile(r"^[\s*#_]*(answer|jawaban)[\s*_]*:[\s*_]*", re.IGNORECASE | re.MULTILINE)
_QUOTES_TAG = re.compile(r"^[\s*#_]*(quotes?|kutipan)[\s*_]*:?[\s*_]*$", re.IGNORECASE | re.MULTILINE)
# Reasoning models think aloud first; an unclosed block is still being written.
_THINKING = re.compile(r"<think>.*?(</think>|$)", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"\[(\d+)\]\s*[:\-\u2013]?\s*[\"\u201c]([^\"\u201d\n]+)[\"\u201d]")
_QUOTE_LINE = re.compile(r"^\s*[-*]?\s*\[(\d+)\]\s*[:\-\u2013]?\s*(.+?)\s*$")
# A run of markers: "[1]", "[1, 2]", "[1][3]".
_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
# Markers written after the full stop belong to the sentence they follow.
_LATE_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
# A sentence ends at . ! ? before a capital, but not after an initial ("U.S. President").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<![A-Z]\.)\s+(?=[\"\u201c(]?[A-Z\u00c0-\u024f0-9])")
_DECLINE = re.compile(r"^\W*(not found|tidak ditemukan)\W*$", re.IGNORECASE)
# Character for character, so offsets in the folded text are offsets in the original.
_FOLD = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                       "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                       "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_QUOTE_MARKS = "\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019`"


class LLMError(RuntimeError):
    """The LLM gave no usable answer; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class LLMConfig:
    """Where the OpenAI-compatible endpoint is and how long to wait for it."""

    url: str
    model: str = "default"
    key: str = ""
    timeout: float = DEFAULT_TIMEOUT  # to connect, to the first token, and between tokens
    total: float = DEFAULT_TOTAL  # for the whole reply

    @classmethod
    def from_env(cls, url: str | None = None, model: str | None = None, key: str | None = None,
                 timeout: float | None = None) -> LLMConfig | None:
        """The configuration from the arguments, else QA_LLM_URL, QA_LLM_MODEL, QA_LLM_KEY and
        QA_LLM_TIMEOUT; None when no URL is set (the LLM is off)."""
        env = os.environ.get
        url = url or env("QA_LLM_URL")
        if not url:
            return None
        seconds = timeout if timeout is not None else _seconds(env("QA_LLM_TIMEOUT"))
        if not seconds > 0:
            raise LLMError(f"the LLM timeout must be a positive number of seconds, not {seconds:g}")
        return cls(base_url(url), model or env("QA_LLM_MODEL") or "default", key or env("QA_LLM_KEY") or "",
                   seconds)


def _seconds(value: str | None) -> float:
    try:
        return float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise LLMError(f"QA_LLM_TIMEOUT {value!r} is not a number: give seconds, e.g. 8") from None


def base_url(url: str) -> str:
    """The API root the client appends /chat/completions to: a bare server address
    ("http://localhost:11434") gets "/v1", the path every OpenAI-compatible server serves."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LLMError(f"QA_LLM_URL {url!r} is not an http(s) address: use e.g. http://localhost:11434/v1")
    return url if parts.path not in ("", "/") else f"{url}/v1"


@dataclass
class Draft:
    """A reply split into its answer text and its (passage number, quote) lines."""

    answer: str
    quotes: list[tuple[int, str]] = field(default_factory=list)
    has_quotes_section: bool = False


def _answer_part(reply: str) -> tuple[str, re.Match[str] | None]:
    """The reply without any thinking block, cut at the QUOTES header, from its last ANSWER tag
    (so a preamble such as "Sure, here it is." is not part of it); and that header."""
    reply = _THINKING.sub("", reply)
    head = _QUOTES_TAG.search(reply)
    text = reply[: head.start()] if head else reply
    tags = list(_ANSWER_TAG.finditer(text))
    return (text[tags[-1].end():] if tags else text), head


def parse(reply: str) -> Draft:
    """Split a reply in the asked format; lenient about case, bold, bullets and a preamble."""
    text, head = _answer_part(reply)
    quotes: list[tuple[int, str]] = []
    if head:
        for line in _THINKING.sub("", reply)[head.end():].splitlines():
            found = [(int(n), q) for n, q in _QUOTED.findall(line)]
            if not found and (plain := _QUOTE_LINE.match(line)):
                found = [(int(plain[1]), plain[2])]
            quotes += [(n, q.strip(_QUOTE_MARKS + " ").strip(". \u2026").strip(_QUOTE_MARKS + " ")) for n, q in found]
    return Draft(" ".join(text.split()), list(dict.fromkeys(quotes)), bool(head))


def preview(reply: str) -> str:
    """What to show of a reply still streaming: the answer so far, without the tag, the
    QUOTES section, or a last line that may be the start of either."""
    text, _ = _answer_part(reply)
    last = text.rsplit("\n", 1)[-1].strip(" *#_").upper()
    if last and any(tag.startswith(last) for tag in ("ANSWER:", "QUOTES:", "JAWABAN:", "KUTIPAN:", "<THINK>")):
        text = text[: len(text) - len(text.rsplit("\n", 1)[-1])]
    return " ".join(text.split())


def locate(quote: str, passage: str) -> tuple[int, int] | None:
    """(start, end) of `quote` in `passage`, compared after collapsing whitespace and folding
    typographic marks; None when it is not there or too short to prove anything."""
    wanted = " ".join(quote.translate(_FOLD).split())
    if len(wanted.split()) < MIN_QUOTE_WORDS:
        return None
    folded = passage.translate(_FOLD)
    collapsed, where = [], []  # the collapsed text, and each of its characters' original index
    for i, ch in enumerate(folded):
        if ch.isspace():
            if collapsed and collapsed[-1] != " ":
                collapsed.append(" ")
                where.append(i)
            continue
        collapsed.append(ch)
        where.append(i)
    at = "".join(collapsed).find(wanted)
    if at < 0:
        return None
    return where[at], where[at + len(wanted) - 1] + 1


def verify(draft: Draft, chunks: Sequence[Chunk], english: bool) -> Answer:
    """The Answer a draft proves: sentences kept only where a marker's quote verifies, markers
    renumbered to citations. Raises LLMError when nothing verifies or the format was ignored."""
    if _DECLINE.match(draft.answer):
        return Answer(NOT_FOUND[english], False, answerer="llm")
    if not draft.has_quotes_section:
        raise LLMError("the LLM's reply had no QUOTES section (the model ignored the answer format)")
    backed: dict[int, list[tuple[int, int]]] = {}
    for n, quote in draft.quotes:
        spot = locate(quote, chunks[n - 1].text) if 1 <= n <= len(chunks) else None
        if spot and spot not in backed.get(n, []):
            backed.setdefault(n, []).append(spot)
    citations: list[Citation] = []
    number: dict[tuple[int, tuple[int, int]], int] = {}

    def renumber(match: re.Match[str]) -> str:
        marks = []
        for n in map(int, re.findall(r"\d+", match.group())):
            for spot in backed.get(n, []):
                if (n, spot) not in number:
                    number[(n, spot)] = len(citations) + 1
                    citations.append(_citation(chunks[n - 1], spot))
                marks.append(f"[{number[(n, spot)]}]")
        return " " + "".join(dict.fromkeys(marks)) if marks else ""

    kept, dropped = [], 0
    for sentence in _SENTENCE_END.split(_LATE_MARKERS.sub(r"\2\1", draft.answer)):
        cited = [int(n) for run in _MARKERS.findall(sentence) for n in re.findall(r"\d+", run)]
        if not sentence.strip():
            continue
        if not any(n in backed for n in cited):
            dropped += 1
            continue
        kept.append(_MARKERS.sub(renumber, sentence).strip())
    if not kept:
        raise LLMError(_unverified(len(draft.quotes)))
    notice = (f"{dropped} sentence{'s' if dropped > 1 else ''} of the LLM's answer left out: no quote of "
              "theirs was found in the passages." if dropped else "")
    text = " ".join(kept)
    verified = sum(len(v) for v in backed.values())
    return Answer(text, True, citations, "generated", _MARKERS.sub("", text).strip(), answerer="llm",
                  quotes_checked=len(draft.quotes), quotes_verified=verified, left_out=dropped, notice=notice)


def _unverified(quotes: int) -> str:
    if not quotes:
        return "the LLM's answer cited no passage with a quote"
    if quotes == 1:
        return "the LLM's quote was not found word for word in the passage it cited"
    return f"none of the LLM's {quotes} quotes was found word for word in the passages they cited"


def _citation(chunk: Chunk, spot: tuple[int, int]) -> Citation:
    base = int(chunk.meta["start"])
    start, end = spot
    return Citation(article=str(chunk.meta["article"]), quote=chunk.text[start:end], start=base + start,
                    end=base + end, title=str(chunk.meta.get("title", "")), score=round(chunk.score, 4))


def prompt(question: str, chunks: Sequence[Chunk], english: bool,
           history: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """The chat messages: the format, the earlier turns, then the numbered passages and the
    question."""
    passages = "\n\n".join(
        f"[{n}] ({c.meta.get('title') or c.meta.get('article')})\n{c.text[:PASSAGE_CHARS]}"
        for n, c in enumerate(chunks, 1))
    language = "English" if english else "Indonesian"
    return [{"role": "system", "content": SYSTEM.format(language=language)},
            *({"role": m["role"], "content": m["content"]} for m in history[-4:]),
            {"role": "user", "content": f"Passages:\n\n{passages}\n\nQuestion: {question}"}]


class LLMAnswerer:
    """Streams an answer from the configured endpoint and verifies it."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._llm: Any = None

    @property
    def name(self) -> str:
        return f"{self.config.model} at {self.config.url}"

    def warm_up(self) -> None:
        """Import and build the client now (a few seconds), not on the first question."""
        self._client()

    def _client(self) -> Any:
        if self._llm is None:
            from llama_index.llms.openai_like import OpenAILike

            c = self.config
            # No retries: a failure falls back to the extractive answer at once.
            self._llm = OpenAILike(model=c.model, api_base=c.url, api_key=c.key or "none", is_chat_model=True,
                                   timeout=c.timeout, max_retries=0, temperature=0.0, max_tokens=MAX_TOKENS,
                                   context_window=8192)
        return self._llm

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        """The reply as it grows. Raises LLMError with one line for any failure."""
        from llama_index.core.llms import ChatMessage

        deadline = time.monotonic() + self.config.total
        text = ""
        try:
            for part in self._client().stream_chat([ChatMessage(role=m["role"], content=m["content"])
                                                    for m in messages]):
                text += part.delta or ""
                yield text
                if time.monotonic() > deadline:
                    raise LLMError(f"the LLM at {self.config.url} was still writing after {self.config.total:.0f} s")
        except LLMError:
            raise
        except Exception as exc:  # the client's errors, named for a person below
            raise LLMError(self.describe(exc)) from exc
        if not text.strip():
            raise LLMError(f"the LLM at {self.config.url} sent an empty reply")

    def describe(self, exc: BaseException) -> str:
        """One line for a failed request."""
        import httpx
        import openai

        url = self.config.url
        # Before the reply's headers the client raises its own errors; once the stream has
        # started, httpx's come through as they are.
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return f"the LLM at {url} sent nothing for {self.config.timeout:g} s (raise QA_LLM_TIMEOUT if it is slow)"
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            return f"the LLM at {url} could not be reached (is the server running? check QA_LLM_URL)"
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return f"the LLM at {url} refused the key (HTTP {exc.status_code}): set QA_LLM_KEY"
        if isinstance(exc, openai.NotFoundError):
            return (f"the LLM at {url} has no model {self.config.model!r} or no /chat/completions "
                    f"(HTTP 404): check QA_LLM_MODEL and QA_LLM_URL")
        if isinstance(exc, openai.APIStatusError):
            return f"the LLM at {url} failed (HTTP {exc.status_code})"
        return f"the LLM at {url} sent a reply that could not be read ({type(exc).__name__})"
