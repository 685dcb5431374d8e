"""The web chat: a Gradio UI around qa.Bot, with numbered sources and an /ask JSON API.

    python app.py [--host HOST] [--port PORT] [--articles DIR] [--persist-dir DIR]

Settings also come from QA_HOST, QA_PORT, QA_ARTICLES, QA_PERSIST_DIR and, for basic auth,
QA_AUTH=user:pass. All answering happens in qa.Bot; this module only formats and wires.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
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
# Pause between streamed words: the answer is ready at once, the pace is for the reader.
STREAM_DELAY = 0.02

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
.chatbot .sources mark { background: #fde68a; color: inherit; padding: 0 0.1em; }
"""


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


def reply_parts(bot: Bot, question: str, history: list[dict[str, str]]) -> tuple[str, str]:
    """(answer text, sources HTML) for the chat, both safe to render; never raises."""
    try:
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


def respond(bot: Bot, message: str, history: list[dict[str, Any]] | None) -> Iterator[list[dict]]:
    """Stream the chat with `message` answered: the question first, then the answer word by
    word, then the answer with its Sources block."""
    chat = [*(history or []), {"role": "user", "content": shown_question(message)}]
    yield chat
    text, sources = reply_parts(bot, message or "", plain_history(history))
    words = text.split(" ")
    for n in range(1, len(words) + 1):
        yield [*chat, {"role": "assistant", "content": " ".join(words[:n])}]
        time.sleep(STREAM_DELAY)
    if sources:
        yield [*chat, {"role": "assistant", "content": f"{text}\n\n{sources}"}]


def ask_json(bot: Bot, question: str, history: Sequence[dict[str, Any]] | None = None) -> dict:
    """The /ask endpoint's answer: Answer.to_dict(), or found=False with an "error" field."""
    try:
        return bot.ask(question, history=plain_history(history)).to_dict()
    except (QuestionError, StoreError, ReaderError) as err:
        error = str(err)
    except Exception:
        log.exception("answering failed for question %r", str(question)[:200])
        error = "internal error while answering; try again or rephrase the question"
    return {"text": f"Sorry, {error}.", "found": False, "citations": [], "error": error}


def header_markdown(bot: Bot) -> str:
    """The page header: what is indexed, the embedding in use, and a notice when offline."""
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
        lines.append(f"- {html.escape(title or name)} (`{name}`)")
    if len(articles) > HEADER_TITLES:
        lines.append(f"- … and {len(articles) - HEADER_TITLES} more")
    if bot.embedding_mode == "offline":
        lines += ["", f"> **Offline mode:** {html.escape(bot.embedder.reason or 'no model')}; "
                      f"searching with {html.escape(bot.embedder.name)} instead."]
    return "\n".join(lines)


def build_app(bot: Bot) -> gr.Blocks:
    """The chat page around `bot`, with the /chat and /ask API endpoints."""

    def chat(message: str, history: list[dict[str, Any]]) -> Iterator[list[dict]]:
        """Answer `message` after the chat `history`, streaming the updated chat."""
        yield from respond(bot, message, history)

    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Answer one question, optionally after earlier turns ({"role", "content"} dicts).
        Returns text, found and citations (article, quote, start, end, title), or found=False
        with an "error" field for a question that cannot be asked."""
        return ask_json(bot, question, history)

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as app:
        gr.Markdown(header_markdown(bot))
        chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy"], feedback_options=None)
        textbox = gr.Textbox(
            placeholder="Ask about the articles, e.g. Where did Xi and Putin last meet?",
            show_label=False, submit_btn=True, autofocus=True,
        )
        examples = gr.Examples(EXAMPLES, inputs=textbox, label="Examples", preload=False)
        # One answer at a time: Bot.ask is not promised to be thread-safe, and it takes
        # milliseconds, so queueing costs nothing.
        limits = {"concurrency_id": "bot", "concurrency_limit": 1}
        textbox.submit(chat, [textbox, chatbot], chatbot, api_name="chat", **limits)
        # A second listener on the same submit: both read the box before it is emptied.
        textbox.submit(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        examples.load_input_event.then(
            chat, [textbox, chatbot], chatbot, api_visibility="undocumented", **limits
        ).then(lambda: "", None, textbox, queue=False, api_visibility="undocumented")
        gr.api(ask, api_name="ask", **limits)
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
                        help="folder of .txt articles to index (QA_ARTICLES; default seeds)")
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
