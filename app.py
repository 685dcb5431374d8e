"""The web chat: a Gradio UI around qa.Bot, with numbered sources and an /ask JSON API.

    python app.py [--host HOST] [--port PORT] [--articles DIR] [--persist-dir DIR]

Settings also come from QA_HOST, QA_PORT, QA_ARTICLES, QA_PERSIST_DIR, QA_QUEUE_SIZE (requests
that may wait; more are told the queue is full) and, for basic auth, QA_AUTH=user:pass. An
index build run while the app serves is picked up by the next question. All answering happens in qa.Bot; this module only formats and wires.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import gradio as gr

from qa import Answer, ArticleError, Bot, Citation, EmbedderError, QuestionError, ReaderError, StoreError

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
HEADER_TITLES = 10
# Shown while the answer is being worked out.
THINKING = "…"
# Requests waiting at most, over all endpoints (QA_QUEUE_SIZE): beyond it a client is told at
# once that the queue is full and to retry, instead of waiting without end.
QUEUE_SIZE = 64

# Marks the Sources block so it can be cut from the history sent back to the bot.
_SOURCES = re.compile(r'<details class="sources">.*?</details>', re.DOTALL)
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
.chatbot .sources mark { background: #fde68a; color: #1f2937; padding: 0 0.1em; }
"""


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


def sources_html(citations: Sequence[Citation]) -> str:
    """A collapsed <details> block: per citation its [n], title, file name and quote.

    Kept on one line so the chat's Markdown renderer passes it through as a single HTML block.
    """
    items = "".join(
        f'<div class="source"><strong>[{n}]</strong> {html.escape(c.title)} '
        f'<span class="file">({html.escape(c.article)})</span>'
        f"<blockquote>{highlighted_quote(c)}</blockquote></div>"
        for n, c in enumerate(citations, 1)
    )
    return f'<details class="sources"><summary>Sources</summary>{items}</details>'


def reply_parts(bot: Bot, question: str, history: list[dict[str, str]], turns: Turns | None = None) -> tuple[str, str]:
    """(answer text, sources HTML) for the chat, both safe to render; never raises."""
    try:
        with turns.turn("chat") if turns else nullcontext():
            answer: Answer = bot.ask(question, history=history)
    except (QuestionError, StoreError, ReaderError) as err:
        return html.escape(f"Sorry, {err}."), ""
    except Exception:
        log.exception("answering failed for question %r", question[:200])
        return FAILED, ""
    sources = sources_html(answer.citations) if answer.found and answer.citations else ""
    return html.escape(answer.text), sources


def shown_question(message: str) -> str:
    """The user's message as it appears in the chat: printable, shortened and HTML-escaped."""
    text = _CONTROL.sub(" ", message or "").strip() or "(empty message)"
    if len(text) > SHOWN_QUESTION_CHARS:
        text = text[:SHOWN_QUESTION_CHARS] + " …"
    return html.escape(text)


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
    """The chat as the bot reads it: user and assistant turns as plain text, no Sources block."""
    plain = []
    for message in messages or ():
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        text = html.unescape(_SOURCES.sub("", message_text(message.get("content")))).strip()
        if role in ("user", "assistant") and text:
            plain.append({"role": role, "content": text})
    return plain


def respond(bot: Bot, message: str, history: list[dict[str, Any]] | None,
            turns: Turns | None = None) -> Iterator[list[dict]]:
    """Stream the chat as the work progresses: the question and a "…" at once, then the
    answer, then the answer with its Sources block. Nothing waits between updates, so a chat
    holds its slot only while its answer is computed."""
    chat = [*(history or []), {"role": "user", "content": shown_question(message)}]
    yield [*chat, {"role": "assistant", "content": THINKING}]
    text, sources = reply_parts(bot, message or "", plain_history(history), turns)
    yield [*chat, {"role": "assistant", "content": text}]
    if sources:
        yield [*chat, {"role": "assistant", "content": f"{text}\n\n{sources}"}]


def ask_json(bot: Bot, question: str, history: Sequence[dict[str, Any]] | None = None,
             turns: Turns | None = None) -> dict:
    """The /ask endpoint's answer: Answer.to_dict(), or found=False with an "error" field."""
    try:
        with turns.turn("ask") if turns else nullcontext():
            return bot.ask(question, history=plain_history(history)).to_dict()
    except (QuestionError, StoreError, ReaderError) as err:
        error = str(err)
    except Exception:
        log.exception("answering failed for question %r", str(question)[:200])
        error = "internal error while answering; try again or rephrase the question"
    return {"text": f"Sorry, {error}.", "found": False, "citations": [], "error": error}


def markdown_text(text: str) -> str:
    """`text` shown literally inside Markdown: HTML escaped, and every character Markdown
    could read as syntax (backticks, brackets, emphasis) written as an entity."""
    return re.sub(r"[\\`*_{}\[\]()#+\-.!|~>]", lambda m: f"&#{ord(m.group())};", html.escape(text, quote=True))


def header_markdown(bot: Bot, refresh: bool = False) -> str:
    """The page header: what is indexed, the embedding in use, and a notice when offline."""
    if refresh:
        bot.refresh()
    articles = bot.articles()
    count = f"{len(articles)} indexed article{'s' * (len(articles) != 1)}"
    lines = [
        "# Ask the news",
        "Short answers in English or Indonesian, with numbered sources that quote the articles "
        "word for word.",
        "",
        f"**{count}** · embedding: {bot.embedding_mode} ({html.escape(bot.embedder.name)})"
        f" · reader: {html.escape(bot.reader.spec or 'newsqa-reader')}",
        "",
    ]
    for name, title in sorted(articles.items())[:HEADER_TITLES]:
        lines.append(f"- {markdown_text(title or name)} (<code>{markdown_text(name)}</code>)")
    if len(articles) > HEADER_TITLES:
        lines.append(f"- … and {len(articles) - HEADER_TITLES} more")
    if bot.embedding_mode == "offline":
        lines += ["", f"> **Offline mode:** {html.escape(bot.embedder.reason or 'no model')}; "
                      f"searching with {html.escape(bot.embedder.name)} instead."]
    return "\n".join(lines)


def build_app(bot: Bot) -> gr.Blocks:
    """The chat page around `bot`, with the /chat and /ask API endpoints."""
    turns = Turns()

    def chat(message: str, history: list[dict[str, Any]]) -> Iterator[list[dict]]:
        """Answer `message` after the chat `history`, streaming the updated chat."""
        yield from respond(bot, message, history, turns)

    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Answer one question, optionally after earlier turns ({"role", "content"} dicts).
        Returns text, found and citations (article, quote, start, end, title), or found=False
        with an "error" field for a question that cannot be asked."""
        return ask_json(bot, question, history, turns)

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as app:
        # Built on every page load, so articles indexed by an outside build are listed.
        gr.Markdown(lambda: header_markdown(bot, refresh=True))
        chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy"], feedback_options=None)
        textbox = gr.Textbox(
            placeholder="Ask about the articles, e.g. Where did Xi and Putin last meet?",
            show_label=False, submit_btn=True, autofocus=True,
        )
        examples = gr.Examples(EXAMPLES, inputs=textbox, label="Examples", preload=False)
        # The chat and the API queue apart, so /ask never waits behind chat traffic; the bot
        # itself answers one question at a time (Bot.ask holds a lock for its few hundred ms).
        limits = {"concurrency_id": "chat", "concurrency_limit": 2}
        textbox.submit(chat, [textbox, chatbot], chatbot, api_name="chat", **limits)
        # A second listener on the same submit: both read the box before it is emptied.
        textbox.submit(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        examples.load_input_event.then(
            chat, [textbox, chatbot], chatbot, api_visibility="undocumented", **limits
        ).then(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=2)
    app.queue(max_size=int(os.environ.get("QA_QUEUE_SIZE") or QUEUE_SIZE))
    return app


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
        bot = Bot.from_articles(args.articles, persist_dir=args.persist_dir, progress=True)
        bot.reader.warm_up()  # a reader that cannot load stops the start, not the first question
    except (ArticleError, EmbedderError, StoreError, ReaderError) as err:
        raise SystemExit(f"error: {err}") from None
    log.info("index: %s", bot.report.summary() if bot.report else "not synced")
    build_app(bot).launch(
        server_name=args.host, server_port=args.port, auth=auth, theme=THEME, css=CSS
    )


if __name__ == "__main__":
    main()
