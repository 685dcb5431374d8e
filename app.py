"""The web chat: a Gradio UI around qa.Bot, with numbered sources and an /ask JSON API.

    python app.py [--host HOST] [--port PORT] [--articles DIR] [--persist-dir DIR]

Settings also come from QA_HOST, QA_PORT, QA_ARTICLES, QA_PERSIST_DIR, QA_QUEUE_SIZE (requests
that may wait; more are told the queue is full), QA_MAX_UPLOAD_MB (largest upload),
QA_WATCH_SECONDS (how often the articles folder is checked for outside changes; 0 turns it off)
and, for basic auth, QA_AUTH=user:pass. QA_LLM_URL (with QA_LLM_MODEL, QA_LLM_KEY,
QA_LLM_TIMEOUT) adds an optional LLM answerer whose quotes are checked, with a toggle beside
the question box; its answers stream in. An index build run while the app serves is picked up
by the next question. All answering happens in qa.Bot and file handling in qa.library; this
module only formats and wires.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from index.articles import FORMATS
from index.settings import SettingError, env_number
from qa import Answer, ArticleError, Bot, Citation, EmbedderError, LLMError, QuestionError, ReaderError, StoreError
from qa.library import ArticleFolder, LibraryError, max_upload_bytes

log = logging.getLogger("app")

EXAMPLES = [
    "Siapa asisten pemerintah Rusia?",
    "Berapa lama pembicaraan Putin dan Xi berlangsung?",
    "Where did Xi and Putin last meet?",
    "Siapa yang mengundang Putin ke China?",
]
FAILED = "Sorry, something went wrong while answering. Please try again or rephrase the question."
# A shown question is cut here: the bot refuses longer ones anyway, and a 100,000-character
# bubble would bury the conversation.
SHOWN_QUESTION_CHARS = 1000
# Shown while the answer is being worked out.
THINKING = "Searching the articles…"
# How often the articles folder is checked for files added, changed or removed outside the page.
WATCH_SECONDS = 5.0
# Requests waiting at most, over all endpoints (QA_QUEUE_SIZE): beyond it a client is told at
# once that the queue is full and to retry, instead of waiting without end.
QUEUE_SIZE = 64

# Shown after a streaming answer's text until its quotes are checked.
WRITING = " ▍"

# Marks the Sources block, the tools line and the line saying who answered, so they can be cut
# from the history sent back to the bot; any other tag (the citation links) is dropped,
# keeping its text.
_SOURCES = re.compile(r'<details class="sources"[^>]*>.*?</details>', re.DOTALL)
_TOOLS = re.compile(r'<div class="(tools|about)">.*?</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Gradio's bundled Source Sans Pro SemiBold (600) holds only a few glyphs, so bold text came
# out in two fonts; its Bold (700) file is complete.
THEME = gr.themes.Default(
    font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "sans-serif"]
)
CSS = """
.chatbot .sources { margin-top: 0.6em; }
.chatbot .sources summary { cursor: pointer; font-weight: 700; }
.chatbot .sources .source { margin: 0.7em 0; }
.chatbot .sources .file { opacity: 0.7; font-size: 0.9em; }
/* !important because Gradio's own prose blockquote margin is. */
.chatbot .sources .source blockquote { margin: 0.25em 0 0 0 !important; }
/* Dark text on the yellow in either theme: a light theme's text colour would do, a dark
   theme's near-white would not (contrast 1.1:1). */
.chatbot .sources mark, #viewer mark.span { background: #fde68a; color: #1f2937; padding: 0 0.1em; }
#viewer mark.passage { background: #dbeafe; color: #1f2937; }
/* Links in the chat: underlined, and in a colour readable on either theme's background. */
.chatbot a.cite, .chatbot a.open, .chatbot a.copy-plain { color: #1d4ed8 !important; text-decoration: underline; cursor: pointer; }
/* One selector per rule: Gradio scopes a .dark rule's first selector only. */
.dark .chatbot a.cite { color: #93c5fd !important; }
.dark .chatbot a.open { color: #93c5fd !important; }
.dark .chatbot a.copy-plain { color: #93c5fd !important; }
.chatbot .tools { margin-top: 0.4em; font-size: 0.9em; }
.chatbot .about { margin-top: 0.3em; font-size: 0.85em; opacity: 0.8; }
#viewer .article-text { white-space: pre-wrap; max-height: 60vh; overflow-y: auto; line-height: 1.5; }
#viewer .close-viewer { float: right; cursor: pointer; }
#articles-list table { width: 100%; font-size: 0.92em; }
#articles-list td, #articles-list th { padding: 0.25em 0.4em; vertical-align: top; }
#articles-list .file { opacity: 0.7; font-size: 0.85em; }
/* Controls the page's script drives, not people. */
.offscreen { position: absolute !important; left: -10000px !important; width: 1px !important; height: 1px !important; overflow: hidden !important; }
@media (max-width: 720px) {
  /* On a phone the viewer opens over the chat, and closes with its button. */
  /* !important: Gradio sets overflow: visible on the block itself, which would leave the
     article unscrollable and the passage below the screen. */
  #viewer.open { position: fixed; inset: 0; z-index: 1000; overflow-y: auto !important; padding: 1em;
                 background: var(--body-background-fill); }
  #viewer .article-text { max-height: none; }
  .chatbot .message { max-width: 100% !important; }
}
"""
# The page's own script: a click on [n] (or a source's title) opens the cited article in the
# viewer, scrolled to the passage; "Copy" puts plain text on the clipboard; on a phone the
# articles panel starts folded so the chat fills the first screen.
HEAD = """
<script>
(() => {
  const send = (payload) => {
    const box = document.querySelector('#cite-box textarea, #cite-box input');
    const button = document.querySelector('#cite-button');
    if (!box || !button) return;
    box.value = payload;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => button.click(), 30);
  };
  document.addEventListener('click', (event) => {
    const cite = event.target.closest('a.cite, a.open');
    if (cite) {
      event.preventDefault(); event.stopPropagation();
      send(decodeURIComponent(cite.getAttribute('href').slice('#cite='.length)));
      return;
    }
    const copy = event.target.closest('a.copy-plain');
    if (copy) {
      event.preventDefault(); event.stopPropagation();
      const text = decodeURIComponent(copy.getAttribute('href').slice('#copy='.length));
      const done = (ok) => {
        copy.textContent = ok ? 'Copied' : 'Copy failed'; setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
      };
      const fallback = () => {  // pages served over plain HTTP beyond localhost have no clipboard API
        const area = document.createElement('textarea');
        area.value = text; document.body.appendChild(area); area.select();
        let ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        area.remove(); done(ok);
      };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => done(true), fallback);
      else fallback();
      return;
    }
    if (event.target.closest('#viewer .close-viewer')) {
      event.preventDefault();
      document.querySelector('#viewer')?.classList.remove('open');
    }
  }, true);
  // Gradio may add this script after the page has loaded: fold now, or once it has.
  const whenLoaded = (fn) => document.readyState === 'complete' ? fn() : window.addEventListener('load', fn);
  whenLoaded(() => {
    if (window.innerWidth > 720) return;
    let tries = 0;
    const fold = () => {
      const label = document.querySelector('#articles-panel > button, #articles-panel .label-wrap');
      const open = document.querySelector('#articles-panel #articles-list');
      if (label && open) { label.click(); return; }
      if (++tries < 100) setTimeout(fold, 100);
    };
    fold();
  });
})();
</script>
"""
VIEWER_EMPTY = "<p>Click a [n] in an answer to read the passage in its article.</p>"
# Run after the viewer is filled: show it (over the chat on a phone) and scroll to the span.
SHOW_VIEWER_JS = """() => {
  const viewer = document.querySelector('#viewer');
  if (!viewer) return;
  viewer.classList.add('open');
  const target = viewer.querySelector('mark.span') || viewer.querySelector('mark.passage');
  if (target) { target.scrollIntoView({ block: 'center' }); }
  if (window.innerWidth > 720) { viewer.scrollIntoView({ block: 'nearest' }); }
}"""


class Turns:
    """Who asks the bot next when both endpoints wait: `/ask` first (scripts have timeouts;
    the chat shows "…" meanwhile), but a waiting chat message goes after at most
    `ask_first` answers to `/ask`, so neither side waits without end."""

    def __init__(self, ask_first: int = 3) -> None:
        self.ask_first = ask_first
        self._cond = threading.Condition()
        self._busy = False
        self._waiting = {"ask": 0, "chat": 0}
        self._passed = 0  # /ask answers given in a row while a chat message waited

    def _may_go(self, kind: str) -> bool:
        if self._busy:
            return False
        chat_due = self._waiting["chat"] > 0 and self._passed >= self.ask_first
        return not chat_due if kind == "ask" else not self._waiting["ask"] or chat_due

    @contextmanager
    def turn(self, kind: str) -> Iterator[None]:
        with self._cond:
            self._waiting[kind] += 1
            self._cond.wait_for(lambda: self._may_go(kind))
            self._waiting[kind] -= 1
            self._busy = True
            self._passed = self._passed + 1 if kind == "ask" and self._waiting["chat"] else 0
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()



def highlighted_quote(citation: Citation) -> str:
    """The quote, HTML-escaped, with the answer span wrapped in <mark> when it has one."""
    quote = citation.quote
    if citation.span_start is None or citation.span_end is None:
        return html.escape(quote)
    left, right = citation.span_start - citation.start, citation.span_end - citation.start
    if not 0 <= left < right <= len(quote):
        return html.escape(quote)
    return "".join((
        html.escape(quote[:left]),
        "<mark>", html.escape(quote[left:right]), "</mark>",
        html.escape(quote[right:]),
    ))


def cite_payload(c: Citation) -> str:
    """What a citation link carries to the viewer: the article, the offsets to mark and the
    quote, so that a link from before the article changed still finds its passage."""
    return json.dumps({"article": c.article, "start": c.start, "end": c.end,
                       "span_start": c.span_start, "span_end": c.span_end, "quote": c.quote})


def _cite_link(n: int, c: Citation, label: str | None = None, cls: str = "cite") -> str:
    # The payload rides in the link's fragment: the chat's sanitiser drops data-* attributes.
    return (f'<a class="{cls}" href="#cite={quote(cite_payload(c), safe="")}" '
            f'title="Open [{n}] in the article">{label or f"[{n}]"}</a>')


def sources_html(citations: Sequence[Citation]) -> str:
    """An open <details> block: per citation its [n], title (a link that opens the article in
    the viewer), file name and quote with the answer span marked.

    Kept on one line so the chat's Markdown renderer passes it through as a single HTML block.
    """
    items = "".join(
        f'<div class="source"><strong>[{n}]</strong> {_cite_link(n, c, html.escape(c.title or c.article), "open")} '
        f'<span class="file">({html.escape(c.article)})</span>'
        f"<blockquote>{highlighted_quote(c)}</blockquote></div>"
        for n, c in enumerate(citations, 1)
    )
    return f'<details class="sources" open><summary>Sources</summary>{items}</details>'


def inline_text(text: str) -> str:
    """`text` for the chat's Markdown: HTML escaped, and the characters of Markdown links and
    images written as entities, so an answer (an LLM's, above all) can neither load an image
    nor hide a link."""
    return re.sub(r"[\[\]()!]", lambda m: f"&#{ord(m.group())};", html.escape(text, quote=False))


def answer_html(answer: Answer) -> str:
    """The answer text, escaped (inline_text), with each [n] a link that opens citation n."""
    parts = re.split(r"\[(\d+)\]", answer.text)
    out = [inline_text(parts[0])]
    for number, text in zip(parts[1::2], parts[2::2]):
        n = int(number)
        out.append(_cite_link(n, answer.citations[n - 1]) if 1 <= n <= len(answer.citations) else f"&#91;{n}&#93;")
        out.append(inline_text(text))
    return "".join(out)


def copy_text(answer: Answer) -> str:
    """The answer as plain text for the clipboard: the answer, then its numbered sources with
    file, character offsets and quote."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        for n, c in enumerate(answer.citations, 1):
            title = f"{c.title} " if c.title and c.title not in (c.article, Path(c.article).stem) else ""
            lines.append(f"[{n}] {title}({c.article}, characters {c.start}-{c.end}): \u201c{c.quote}\u201d")
    return "\n".join(lines)


def tools_html(answer: Answer) -> str:
    return (f'<div class="tools"><a class="copy-plain" title="Copy the answer and its sources as plain text" '
            f'href="#copy={quote(copy_text(answer), safe="")}">Copy</a></div>')


def about_html(answer: Answer, llm: bool) -> str:
    """One line under the answer: who answered (when an LLM is configured, so there is a
    choice) and how its quotes fared, then the answer's notice; empty when neither applies."""
    parts = []
    if llm:
        if answer.answerer == "llm":
            checked = (f" · {answer.quotes_verified} of {answer.quotes_checked} quotes found word for word"
                       if answer.quotes_checked else "")
            parts.append(f"Answered by the LLM{checked}")
        else:
            parts.append("Answered by the extractive reader")
    if answer.notice:
        parts.append(html.escape(answer.notice, quote=False))
    return f'<div class="about">{" · ".join(parts)}</div>' if parts else ""


def reply_parts(bot: Bot, question: str, history: list[dict[str, str]], turns: Turns | None = None,
                llm: bool = True) -> Iterator[str | tuple[str, str]]:
    """For the chat, safe to render: the answer's text as it streams (str, LLM only), then
    (answer HTML, what goes under it: who answered, sources, tools). Never raises."""
    try:
        events = bot.ask_stream(question, history=history, llm=llm)
        # The turn covers the bot's own work; an LLM's reply then streams without holding
        # back other questions (the bot reads the fallback, if any, under its own lock).
        with turns.turn("chat") if turns else nullcontext():
            first = next(events)
        for event in itertools.chain([first], events):
            if isinstance(event, str):
                yield inline_text(event)
            else:
                answer: Answer = event
    except (QuestionError, StoreError, ReaderError) as err:
        yield html.escape(f"Sorry, {err}."), ""
        return
    except Exception:
        log.exception("answering failed for question %r", question[:200])
        yield FAILED, ""
        return
    sources = sources_html(answer.citations) if answer.found and answer.citations else ""
    yield answer_html(answer), about_html(answer, bot.llm is not None) + sources + tools_html(answer)


def shown_question(message: str) -> str:
    """The user's message as it appears in the chat: printable, shortened, and shown as typed.
    It is HTML-escaped inside an HTML block, where Markdown is not read: "# Heading **bold**"
    stays as typed and an address is not made a link."""
    text = _CONTROL.sub(" ", message or "").strip()
    if len(text) > SHOWN_QUESTION_CHARS:
        text = text[:SHOWN_QUESTION_CHARS] + " …"
    return f'<div class="asked">{html.escape(text)}</div>' if text else ""


def message_text(content: Any) -> str:
    """The text of a chat message's content: a string, a {"type": "text"} part, or a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return content.get("text", "") if content.get("type", "text") == "text" else ""
    if isinstance(content, list):
        return "\n".join(message_text(part) for part in content)
    return ""


def plain_history(messages: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The chat as the bot reads it: user and assistant turns as plain text, without the
    Sources block, the Copy link or any markup."""
    plain = []
    for message in messages or ():
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        content = _TOOLS.sub("", _SOURCES.sub("", message_text(message.get("content"))))
        text = " ".join(html.unescape(_TAG.sub("", content)).split())
        if role in ("user", "assistant") and text:
            plain.append({"role": role, "content": text})
    return plain


def respond(bot: Bot, message: str, history: list[dict[str, Any]] | None,
            turns: Turns | None = None, llm: bool = True) -> Iterator[list[dict]]:
    """Stream the chat as the work progresses: the question and a "…" at once, an LLM's
    answer as it is written, then the checked answer, then the answer with its Sources block.
    Nothing waits between updates, so a chat holds its slot only while its answer is computed.
    A blank message changes nothing, as in any chat: there is no question to show or answer."""
    shown = shown_question(message)
    if not shown:
        yield list(history or [])
        return
    chat = [*(history or []), {"role": "user", "content": shown}]
    yield [*chat, {"role": "assistant", "content": THINKING}]
    for event in reply_parts(bot, message or "", plain_history(history), turns, llm):
        if isinstance(event, str):
            yield [*chat, {"role": "assistant", "content": (event or THINKING) + WRITING}]
            continue
        text, sources = event
        yield [*chat, {"role": "assistant", "content": text}]
        if sources:
            yield [*chat, {"role": "assistant", "content": f"{text}\n\n{sources}"}]


def ask_json(bot: Bot, question: str, history: Sequence[dict[str, Any]] | None = None,
             turns: Turns | None = None, llm: bool | None = None) -> dict:
    """The /ask endpoint's answer: Answer.to_dict(), or found=False with an "error" field."""
    try:
        if history is not None and not (isinstance(history, (list, tuple)) and all(
                isinstance(m, dict) and isinstance(m.get("content"), str) for m in history)):
            raise QuestionError('history must be a list of {"role": "user" or "assistant", "content": text} '
                                "messages; send [] for none")
        with turns.turn("ask") if turns else nullcontext():
            return bot.ask(question, history=plain_history(history), llm=llm).to_dict()
    except (QuestionError, StoreError, ReaderError) as err:
        error = str(err)
    except Exception:
        log.exception("answering failed for question %r", str(question)[:200])
        error = "internal error while answering; try again or rephrase the question"
    return {"text": f"Sorry, {error}.", "found": False, "citations": [], "error": error}


def markdown_text(text: str) -> str:
    """`text` shown literally inside Markdown: HTML escaped, and every character Markdown
    could read as syntax (backticks, brackets, emphasis) written as an entity."""
    # Quotes too, as decimal entities: the page showed html.escape's hexadecimal "&#x27;" as is.
    return re.sub(r"[\\`*_{}\[\]()#+\-.!|~>'\"]", lambda m: f"&#{ord(m.group())};", html.escape(text, quote=False))


def header_markdown() -> str:
    """The page header: what the page does."""
    return "\n".join([
        "# Ask the news",
        "Short answers in English or Indonesian, with numbered sources that quote the articles "
        "word for word. Click a [n] to read the passage in its article.",
    ])


def notices_markdown(bot: Bot) -> str:
    """What is indexed and with what; the offline notice when the model could not be had."""
    lines = [f"Embedding: {bot.embedding_mode} ({html.escape(bot.embedder.name)}) · reader: "
             f"{html.escape(bot.reader.spec or 'newsqa-reader')}"
             + (f" · LLM: {html.escape(bot.llm.name)}" if bot.llm else "")]
    if bot.embedding_mode == "offline":
        lines += ["", f"> **Offline mode:** {html.escape(bot.embedder.reason or 'no model')}; "
                      f"searching with {html.escape(bot.embedder.name)} instead."]
    return "\n".join(lines)


def articles_html(bot: Bot) -> str:
    """The indexed articles as a table: title, source and place, chunks, file name."""
    return listing(bot)[0]


def listing(bot: Bot) -> tuple[str, list[str]]:
    """(the articles table, the indexed file names), from one read of the manifest."""
    try:
        records = bot.manifest()
    except StoreError as err:
        return f"<p>The list of articles cannot be read now: {html.escape(str(err))}.</p>", []
    manifest = sorted(records.items(), key=lambda kv: (str(kv[1].get("title") or kv[0]).lower(), kv[0]))
    rows = "".join(
        "<tr><td>{title}<div class=\"file\">{file}</div></td><td>{where}</td><td>{chunks}</td></tr>".format(
            title=html.escape(str(m.get("title") or n)), file=html.escape(n),
            where=html.escape(" · ".join(str(m[k]) for k in ("source", "place") if m.get(k))) or "–",
            chunks=int(m.get("chunks", 0)))
        for n, m in manifest
    )
    count = f"{len(manifest)} indexed article{'s' * (len(manifest) != 1)}"
    return (f'<p><strong>{count}</strong></p><table><thead><tr><th>Article</th><th>Source · place</th>'
            f'<th>Chunks</th></tr></thead><tbody>{rows}</tbody></table>', sorted(records))


def viewer_html(bot: Bot, payload: str) -> str:
    """The cited article, its text escaped, the cited passage marked and the answer span marked
    inside it; a one-line notice when the article is gone or the link is malformed."""
    try:
        cite = json.loads(payload)
        name, start, end = str(cite["article"]), int(cite["start"]), int(cite["end"])
        span = (int(cite["span_start"]), int(cite["span_end"])) if cite.get("span_start") is not None else None
        quoted = cite.get("quote")
        quoted = str(quoted) if quoted is not None else None
    except (ValueError, KeyError, TypeError, OverflowError, AttributeError):
        return '<p>That citation could not be read; ask the question again.</p>'
    try:
        text = bot.article_text(name)
        title = str(bot.manifest().get(name, {}).get("title") or name)
    except StoreError as err:
        return f"<p>The article cannot be shown now: {html.escape(str(err))}.</p>"
    if text is None:
        return (f'<p><strong>{html.escape(name)}</strong> is no longer indexed; ask again to get '
                'sources from the articles indexed now.</p>')
    notice = ""
    if quoted is not None and text[start:end] != quoted:
        # The article changed since the answer: the passage moved, or it is gone.
        found = text.find(quoted) if quoted else -1
        if found < 0:
            notice = ('<p class="notice">This article has changed since the answer was given and no '
                      'longer holds the cited passage; ask again for its current text.</p>')
            start = end = 0
            span = None
        else:
            shift = found - start
            start, end = found, found + len(quoted)
            span = (span[0] + shift, span[1] + shift) if span else None
    if not 0 <= start < end <= len(text):
        start = end = 0
    if span and not start <= span[0] < span[1] <= end:
        span = None
    cuts = sorted({0, start, end, len(text), *(span or ())})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        if span and span[0] <= a and b <= span[1]:
            piece = f'<mark class="span">{piece}</mark>'
        if start < end and start <= a and b <= end:
            piece = f'<mark class="passage">{piece}</mark>'
        parts.append(piece)
    body = "".join(parts)
    return (f'<a class="close-viewer" href="#close" title="Close">✕ Close</a>'
            f'<h3>{html.escape(title)}</h3><div class="file">{html.escape(name)}'
            f'{f" · characters {start}–{end}" if start < end else ""}</div>{notice}'
            f'<div class="article-text">{body}</div>')


def status_text(text: str) -> str:
    """A status line for the Markdown panel: one line, shown literally."""
    return markdown_text(" ".join(str(text).split()))


def sync_summary(report: Any) -> str:
    lines = [f"Index updated: {status_text(report.summary())}."]
    lines += [f"- Skipped {status_text(line)}" for line in report.skipped]
    return "\n".join(lines)


# One lock per articles folder in this process: uploads, removals, re-syncs and the watcher
# change the folder and sync the index one at a time, however many pages are built.
_FOLDER_LOCKS: dict[str, threading.RLock] = {}
_FOLDER_LOCKS_GUARD = threading.Lock()


def _folder_lock(folder: Path) -> threading.RLock:
    with _FOLDER_LOCKS_GUARD:
        return _FOLDER_LOCKS.setdefault(str(folder.resolve()), threading.RLock())


class Library:
    """The articles folder behind the page: uploads, removals, re-syncs and a watcher for
    changes made outside the page, one sync at a time."""

    def __init__(self, bot: Bot, folder: Path | str | None, watch_seconds: float = 0.0) -> None:
        self.bot = bot
        self.folder = ArticleFolder(folder) if folder else None
        self._lock = _folder_lock(self.folder.path) if self.folder else threading.RLock()
        self._seen = self.folder.signature() if self.folder else ()
        self._stop = threading.Event()
        if self.folder and watch_seconds > 0:
            threading.Thread(target=self._watch, args=(watch_seconds,), daemon=True, name="watch").start()

    def sync(self, progress: bool = False) -> str:
        """Sync the index with the folder now; the summary line, or why not."""
        if not self.folder:
            return "This page has no articles folder to sync."
        with self._lock:
            seen = self.folder.signature()
            try:
                summary = sync_summary(self.bot.sync(self.folder.path, progress=progress))
            except (ArticleError, StoreError, EmbedderError) as err:
                return f"Not synced: {status_text(str(err))}."
            except Exception as err:  # noqa: BLE001 - the page gets one line, the log the details
                log.exception("syncing %s failed", self.folder.path)
                return f"Not synced: {status_text(type(err).__name__)}; see the server log."
            self._seen = seen  # only a sync that worked; the watcher tries a failed one again
            return summary

    def add(self, paths: Sequence[str], progress: bool = False) -> str:
        if not self.folder:
            return "This page has no articles folder to add to."
        with self._lock:  # the watcher must not sync half of an upload
            return self._add(paths, progress)

    def _add(self, paths: Sequence[str], progress: bool) -> str:
        assert self.folder is not None
        lines = []
        added = 0
        for path in paths:
            try:
                got = self.folder.add(path)
                if got.already:
                    lines.append(f"- Already in the articles: {status_text(got.name)} holds the same file")
                    continue
                lines.append(f"- Added {status_text(got.name)}: {status_text(got.title)}"
                             + (f" (warning: {status_text(got.warning)})" if got.warning else ""))
                added += 1
            except LibraryError as err:
                lines.append(f"- Not added: {status_text(str(err))}")
        if added:
            lines.insert(0, self.sync(progress))
        return "\n".join(lines)

    def remove(self, name: str | None) -> str:
        if not self.folder or not name:
            return ""
        with self._lock:
            try:
                if name not in self.bot.manifest():
                    raise LibraryError(f"{name!r}: not an indexed article; refresh the list")
                self.folder.remove(name)
            except (LibraryError, StoreError) as err:
                return f"Not removed: {status_text(str(err))}."
            return f"Removed {status_text(name)}. " + self.sync()

    def _watch(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                with self._lock:
                    if self.folder and self.folder.signature() != self._seen:
                        log.info("articles folder changed: %s", html.unescape(self.sync()))
            except Exception:  # noqa: BLE001 - the watcher must outlive one failed sync
                log.exception("syncing the articles folder failed")


# Remove asks first, in the page: which article (when none is chosen) and whether to delete it.
REMOVE_JS = """(name) => {
  if (!name) { alert("Choose an article to remove first."); return null; }
  return confirm(`Delete ${name} from the articles folder and the index? The file itself is deleted.`) ? name : null;
}"""


def build_app(bot: Bot, articles: Path | str | None = None, watch_seconds: float = 0.0) -> gr.Blocks:
    """The chat page around `bot`, with the /chat and /ask API endpoints, and, given the
    `articles` folder, the panel that adds and removes articles (watched every
    `watch_seconds` for outside changes when > 0)."""
    turns = Turns()
    library = Library(bot, articles, watch_seconds)

    def chat(message: str, history: list[dict[str, Any]], llm: bool = True) -> Iterator[list[dict]]:
        """Answer `message` after the chat `history` (with the LLM, when one is configured and
        `llm` is true), streaming the updated chat."""
        yield from respond(bot, message, history, turns, llm)

    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Answer one question, optionally after earlier turns ({"role", "content"} dicts), the
        way the chat does (with the LLM when one is configured). Returns text, found, citations
        (article, quote, start, end, title), answerer and notice, or found=False with an
        "error" field for a question that cannot be asked."""
        return ask_json(bot, question, history, turns)

    def ask_reader(question: str, history: list[dict] | None = None) -> dict:
        """Like /ask, but always the extractive reader's answer, even with an LLM configured."""
        return ask_json(bot, question, history, turns, llm=False)

    def panel(status: str = "") -> tuple[str, Any, str]:
        table, names = listing(bot)
        return table, gr.update(choices=names, value=None), status

    def upload(files: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
        status = library.add(files, progress=True) if files else ""
        return (*panel(status), None)

    def resync(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
        return panel(library.sync(progress=True))

    def remove(name: str | None) -> tuple:
        return panel(library.remove(name)) if name else panel("")

    def tick(seen: int, chosen: str | None) -> tuple:
        """Redraw the list when the index changed since this page last drew it (one small
        read when it did not); a choice still listed stays chosen."""
        generation = bot.generation()
        if generation is None or generation == seen:
            return gr.skip(), gr.skip(), gr.skip(), seen
        table, names = listing(bot)
        return (table, gr.update(choices=names, value=chosen if chosen in names else None),
                gr.skip(), generation)

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as app:
        seen = gr.State(-1)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                gr.Markdown(header_markdown())
                chatbot = gr.Chatbot(label="Chat", show_label=False, height="65vh", buttons=[],
                                     feedback_options=None, elem_id="chat")
                textbox = gr.Textbox(
                    placeholder="Ask about the articles, e.g. Where did Xi and Putin last meet?",
                    show_label=False, submit_btn=True, autofocus=True,
                )
                use_llm = gr.Checkbox(value=True, visible=bot.llm is not None, elem_id="use-llm",
                                      label=f"Answer with the LLM ({bot.llm.config.model})" if bot.llm else "LLM",
                                      info="Its quotes are checked word for word; off: the extractive reader.")
                examples = gr.Examples(EXAMPLES, inputs=textbox, label="Examples", preload=False)
            with gr.Column(scale=2, min_width=300):
                viewer = gr.HTML(VIEWER_EMPTY, elem_id="viewer", label="Article")
                with gr.Accordion("Articles", open=True, elem_id="articles-panel"):
                    table_view = gr.HTML(lambda: articles_html(bot), elem_id="articles-list")
                    if library.folder:
                        files = gr.File(label=f"Add articles ({FORMATS}, up to {max_upload_bytes() / 2**20:.0f} MB each)",
                                        # Every file reaches the library, which says why it refuses one:
                                        # with file_types, the page dropped other files without a word.
                                        file_count="multiple", elem_id="upload")
                        status = gr.Markdown(elem_id="library-status")
                        with gr.Row():
                            choice = gr.Dropdown(label="Remove an article", choices=listing(bot)[1], value=None,
                                                 elem_id="remove-choice", scale=3)
                            remove_button = gr.Button("Remove", variant="stop", elem_id="remove-button", scale=1)
                        resync_button = gr.Button("Re-sync the folder", elem_id="resync-button")
                    gr.Markdown(lambda: notices_markdown(bot), elem_id="notices")
        # A cleared chat leaves no passage of its answers open.
        chatbot.clear(lambda: VIEWER_EMPTY, None, viewer, queue=False, api_visibility="undocumented")
        cite_box = gr.Textbox(elem_id="cite-box", elem_classes="offscreen", show_label=False, container=False)
        cite_button = gr.Button("open", elem_id="cite-button", elem_classes="offscreen")
        cite_button.click(lambda payload: viewer_html(bot, payload), cite_box, viewer, queue=False,
                          api_visibility="undocumented").then(None, js=SHOW_VIEWER_JS)
        # The chat and the API queue apart, so /ask never waits behind chat traffic; the bot
        # itself answers one question at a time (Bot.ask holds a lock for its few hundred ms;
        # an LLM reply streams outside it, so more chats may stream at once).
        limits = {"concurrency_id": "chat", "concurrency_limit": 8 if bot.llm else 2}
        # The toggle reaches the chat through a State, which is no API parameter: /chat keeps
        # its (message, history) signature for scripts.
        llm_on = gr.State(bot.llm is not None)  # without an LLM, no "none configured" note per answer
        use_llm.change(lambda on: on, use_llm, llm_on, queue=False, api_visibility="undocumented")
        textbox.submit(chat, [textbox, chatbot, llm_on], chatbot, api_name="chat", **limits)
        # A second listener on the same submit: both read the box before it is emptied.
        textbox.submit(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        examples.load_input_event.then(
            chat, [textbox, chatbot, llm_on], chatbot, api_visibility="undocumented", **limits
        ).then(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=2)
        gr.api(ask_reader, api_name="ask_reader", concurrency_id="ask")
        if library.folder:
            outputs = [table_view, choice, status]
            # Writes to the index go one at a time through one queue.
            writes = {"concurrency_id": "library", "concurrency_limit": 1, "api_visibility": "undocumented"}
            files.upload(upload, files, [*outputs, files], **writes)
            remove_button.click(remove, choice, outputs, js=REMOVE_JS, **writes)
            resync_button.click(resync, None, outputs, **writes)
            gr.Timer(max(1.0, watch_seconds or WATCH_SECONDS)).tick(
                tick, [seen, choice], [*outputs, seen], queue=False, api_visibility="undocumented")
    app.queue(max_size=int(env_number("QA_QUEUE_SIZE", QUEUE_SIZE, 1, integer=True)))
    return app


def launch_options() -> dict[str, Any]:
    """What launch() needs besides the address: the look, the page's script and the upload limit."""
    return {"theme": THEME, "css": CSS, "head": HEAD, "max_file_size": max_upload_bytes()}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options; each defaults to its environment variable."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description="Web chat that answers questions about news articles, with cited sources."
    )
    parser.add_argument("--host", default=env("QA_HOST", "127.0.0.1"),
                        help="address to serve on (QA_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=env("QA_PORT", "7860"),
                        help="port to serve on (QA_PORT; default 7860)")
    parser.add_argument("--articles", default=env("QA_ARTICLES", "seeds"),
                        help="folder of articles to index: .txt, .md, .html, .pdf, .docx (QA_ARTICLES; default seeds)")
    parser.add_argument("--persist-dir", help="index folder (default: QA_PERSIST_DIR or .qa-index)")
    return parser.parse_args(argv)


def basic_auth(value: str | None) -> tuple[str, str] | None:
    """QA_AUTH "user:pass" as launch() wants it; None when unset."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (user and sep and password):
        raise SystemExit("error: QA_AUTH must look like user:password")
    return user, password


def main(argv: Sequence[str] | None = None) -> None:
    """Sync the index with the articles folder, then serve the chat until interrupted."""
    args = parse_args(argv)
    # A handler-level filter, because bm25s sets its own logger to DEBUG when imported.
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    log.setLevel(logging.INFO)
    auth = basic_auth(os.environ.get("QA_AUTH"))
    try:
        # Settings are checked before the index is touched: a typo stops the start in one line.
        watch = env_number("QA_WATCH_SECONDS", WATCH_SECONDS, 0)
        env_number("QA_QUEUE_SIZE", QUEUE_SIZE, 1, integer=True)
        max_upload_bytes()
        bot = Bot.from_articles(args.articles, persist_dir=args.persist_dir, progress=True)
        bot.reader.warm_up()  # a reader that cannot load stops the start, not the first question
        if bot.llm:
            bot.llm.warm_up()
    except (SettingError, ArticleError, EmbedderError, StoreError, ReaderError, LLMError) as err:
        raise SystemExit(f"error: {err}") from None
    log.info("index: %s", bot.report.summary() if bot.report else "not synced")
    build_app(bot, args.articles, watch).launch(
        server_name=args.host, server_port=args.port, auth=auth, **launch_options()
    )


if __name__ == "__main__":
    main()
