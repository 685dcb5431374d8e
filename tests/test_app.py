"""The web chat: app.py served in a subprocess and driven through gradio_client, plus the
HTML it builds for sources and history."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

import app
from qa import Citation

from .app_server import ROOT, running_app
from .conftest import ANSWER, ASK

CALL_ARTICLE = "000_23b6403ff7373a43.txt"
BAD_INPUTS = {
    "long": "x" * 100_000,
    "control and markup only": "\x00\x07<b></b>\x1b",
}
BLANK_INPUTS = {"empty": "", "spaces": "  \n ", "control": "\x00\x07\x1b\x7f"}


@pytest.fixture(scope="module")
def client(isolated_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """One app for the module, started the way a person starts it."""
    with running_app(tmp_path_factory.mktemp("app")) as url:
        yield Client(url, verbose=False)


def last_reply(chat: list[dict[str, Any]]) -> str:
    """The text of the last assistant message in a /chat result."""
    assert chat[-1]["role"] == "assistant"
    return app.message_text(chat[-1]["content"])


def test_ask_endpoint_answers_with_a_verbatim_citation(client: Client) -> None:
    answer = client.predict(ASK, api_name="/ask")
    assert answer["found"] is True
    assert ANSWER in answer["text"]
    cited = [c for c in answer["citations"] if c["article"] == CALL_ARTICLE]
    assert cited and ANSWER in cited[0]["quote"]
    article = (ROOT / "seeds" / CALL_ARTICLE).read_text(encoding="utf-8")
    assert article[cited[0]["start"]:cited[0]["end"]] == cited[0]["quote"]
    assert set(cited[0]) >= {"article", "quote", "start", "end", "title"}


def test_chat_endpoint_streams_the_answer_then_its_sources(client: Client) -> None:
    job = client.submit(ASK, [], api_name="/chat")
    chat = job.result()
    reply = last_reply(chat)
    assert ANSWER in reply and "[1]" in reply
    assert '<details class="sources" open><summary>Sources</summary>' in reply
    assert '<a class="cite" href="#cite=' in reply and '<a class="copy-plain"' in reply
    assert CALL_ARTICLE in reply
    assert f"<mark>{ANSWER}</mark>" in reply
    streamed = [last_reply(update) for update in job.outputs() if update[-1]["role"] == "assistant"]
    assert len(streamed) > 2 and len(streamed[0]) < len(streamed[-1])


def test_ask_endpoint_takes_plain_history(client: Client) -> None:
    history = [
        {"role": "user", "content": "Where did Xi and Putin last meet?"},
        {"role": "assistant", "content": "Beijing [1]."},
    ]
    answer = client.predict("Lalu kapan itu?", history, api_name="/ask")
    assert "error" not in answer and isinstance(answer["found"], bool) and answer["text"]


@pytest.mark.parametrize("message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_chat_input_gets_a_polite_line(client: Client, message: str) -> None:
    chat = client.predict(message, [], api_name="/chat")
    reply = last_reply(chat)
    assert "\n" not in reply and "<details" not in reply
    assert reply.startswith("Sorry, ") and "Traceback" not in reply
    shown = html.unescape(re.sub(r"<[^>]+>", "", app.message_text(chat[0]["content"])))
    assert len(shown) <= app.SHOWN_QUESTION_CHARS + 2


@pytest.mark.parametrize("message", BLANK_INPUTS.values(), ids=BLANK_INPUTS.keys())
def test_a_blank_chat_message_adds_nothing_through_the_api(client: Client, message: str) -> None:
    assert client.predict(message, [], api_name="/chat") == []


def test_script_text_is_escaped_in_the_chat(client: Client) -> None:
    script = "<script>alert(1)</script>"
    chat = client.predict(script, [], api_name="/chat")
    assert app.message_text(chat[0]["content"]) == f'<div class="asked">{html.escape(script)}</div>'
    reply = last_reply(chat)
    assert "<script" not in reply and "Traceback" not in reply
    assert reply.startswith(html.escape(client.predict(script, api_name="/ask")["text"]))


@pytest.mark.parametrize("message", ["", "x" * 100_000], ids=["empty", "long"])
def test_bad_ask_input_returns_an_error_field(client: Client, message: str) -> None:
    answer = client.predict(message, api_name="/ask")
    assert answer["found"] is False and answer["citations"] == []
    assert answer["error"] and "Traceback" not in answer["text"]


def test_auth_refuses_an_anonymous_client(isolated_env: Path, tmp_path: Path) -> None:
    with running_app(tmp_path, QA_AUTH="reader:s3cret") as url:
        with pytest.raises(ValueError, match="credentials|login"):
            Client(url, verbose=False)
        with pytest.raises(ValueError):
            Client(url, verbose=False, auth=("reader", "wrong"))
        answer = Client(url, verbose=False, auth=("reader", "s3cret")).predict(ASK, api_name="/ask")
        assert ANSWER in answer["text"]


def test_sources_escape_article_text_and_mark_the_span() -> None:
    quote = "Kata <b>Xi</b> & Putin: 1 jam 25 menit."
    citation = Citation(
        article="a<1>.txt", quote=quote, start=100, end=100 + len(quote),
        title="<script>x</script>", score=1.0,
        span_start=100 + quote.index("1 jam"), span_end=100 + quote.index("."),
    )
    block = app.sources_html([citation])
    assert "&lt;b&gt;Xi&lt;/b&gt; &amp; Putin: <mark>1 jam 25 menit</mark>." in block
    assert "&lt;script&gt;x&lt;/script&gt;" in block and "a&lt;1&gt;.txt" in block
    assert "<script>" not in block and "<b>" not in block


def test_history_for_the_bot_is_plain_text_without_sources() -> None:
    chat = [
        {"role": "user", "content": [{"type": "text", "text": "Is 1 &lt; 2?"}]},
        {"role": "assistant", "content": 'Yes <a class="cite" href="#cite=x">[1]</a> &amp; no.\n\n'
         + app.sources_html([]) + '<div class="tools"><a class="copy-plain" href="#copy=Yes">Copy</a></div>'},
        {"role": "system", "content": "ignored"},
    ]
    assert app.plain_history(chat) == [
        {"role": "user", "content": "Is 1 < 2?"},
        {"role": "assistant", "content": "Yes [1] & no."},
    ]


def test_an_unexpected_error_gets_a_polite_reply() -> None:
    class BrokenBot:
        llm = None

        def ask(self, question: str, history: object = None, llm: object = None) -> None:
            raise RuntimeError("index went away")

        def ask_stream(self, question: str, history: object = None, llm: object = None) -> None:
            raise RuntimeError("index went away")

    assert list(app.reply_parts(BrokenBot(), "How long was the call?", [])) == [(app.FAILED, "")]
    answer = app.ask_json(BrokenBot(), "How long was the call?")
    assert answer["found"] is False and "index went away" not in answer["error"]


@pytest.mark.parametrize("history", ["garbage", [1, 2], [{"role": "user", "content": 3}], {"role": "user"}])
def test_a_malformed_history_is_an_error_not_ignored(history: object) -> None:
    class NoBot:
        llm = None

        def ask(self, question: str, history: object = None, llm: object = None) -> None:
            raise AssertionError("a malformed history must not reach the bot")

    answer = app.ask_json(NoBot(), "How long was the call?", history)  # type: ignore[arg-type]
    assert answer["found"] is False and answer["error"].startswith("history must be a list of")


def test_the_users_question_is_shown_as_typed_and_read_back_as_typed() -> None:
    typed = r"# Judul **tebal** \(a\) <b>x</b> [tautan](http://contoh.id) ok?"
    shown = app.shown_question(typed)
    # HTML-escaped inside an HTML block, where Markdown is not read
    assert shown == f'<div class="asked">{html.escape(typed)}</div>'
    assert app.plain_history([{"role": "user", "content": shown}]) == [{"role": "user", "content": typed}]


def test_names_in_the_header_are_shown_literally() -> None:
    shown = app.markdown_text("a`</code><img src=x onerror=alert(1)>`[x](javascript:alert(1))*_.txt")
    assert "<" not in shown and "`" not in shown and "[" not in shown and "(" not in shown and "*" not in shown
    assert html.unescape(shown) == "a`</code><img src=x onerror=alert(1)>`[x](javascript:alert(1))*_.txt"
    # Quotes as decimal entities, which the page renders (it showed a hexadecimal "&#x27;" as is).
    quoted = app.markdown_text("Jum'at \"Baru\"")
    assert "&#x" not in quoted and "'" not in quoted and html.unescape(quoted) == "Jum'at \"Baru\""


def test_ask_goes_first_but_a_waiting_chat_message_gets_its_turn() -> None:
    import threading
    import time

    turns, order = app.Turns(ask_first=3), []

    def take(kind: str) -> None:
        with turns.turn(kind):
            order.append(kind)

    with turns.turn("ask"):  # the bot is busy; a chat message and then five /ask calls arrive
        threads = [threading.Thread(target=take, args=(kind,)) for kind in ["chat"] + ["ask"] * 5]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        assert turns._waiting == {"ask": 5, "chat": 1}
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["ask", "ask", "ask", "chat", "ask", "ask"]


def _answer() -> Any:
    from qa import Answer

    quote = "Kata <b>Xi</b>: 1 jam 25 menit."
    first = Citation(article="a&b.txt", quote=quote, start=10, end=10 + len(quote), title="Judul <i>",
                     score=0.9, span_start=10 + quote.index("1 jam"), span_end=10 + quote.index("."))
    second = Citation(article="b.txt", quote="Lain.", start=0, end=5, title="b", score=0.5)
    return Answer("1 jam 25 menit [1]. See also [2] and [3].", True, [first, second], value="1 jam 25 menit")


def test_each_marker_is_a_link_to_its_citation() -> None:
    import json
    from urllib.parse import unquote

    shown = app.answer_html(_answer())
    links = re.findall(r'<a class="cite" href="#cite=([^"]+)"[^>]*>\[(\d)\]</a>', shown)
    # No citation 3: shown as text, its brackets written so Markdown cannot make them a link.
    assert [n for _, n in links] == ["1", "2"] and "&#91;3&#93;" in shown
    first = json.loads(unquote(links[0][0]))
    assert first == {"article": "a&b.txt", "start": 10, "end": 41, "span_start": 26, "span_end": 40,
                     "quote": "Kata <b>Xi</b>: 1 jam 25 menit."}


def test_answer_text_cannot_load_an_image_or_hide_a_link() -> None:
    from qa import Answer

    shown = app.answer_html(Answer("See ![x](http://evil.example/?q=1) and [here](http://evil.example) <b>.", True))
    assert "![" not in shown and "](" not in shown and "<b>" not in shown
    assert html.unescape(shown) == "See ![x](http://evil.example/?q=1) and [here](http://evil.example) <b>."


def test_copy_text_is_plain_with_files_offsets_and_quotes() -> None:
    text = app.copy_text(_answer())
    assert text.splitlines() == [
        "1 jam 25 menit [1]. See also [2] and [3].", "", "Sources:",
        "[1] Judul <i> (a&b.txt, characters 10-41): \u201cKata <b>Xi</b>: 1 jam 25 menit.\u201d",
        "[2] (b.txt, characters 0-5): \u201cLain.\u201d",
    ]
    tools = app.tools_html(_answer())
    assert "\n" not in tools and "<b>" not in tools and "&" not in tools.split("href=")[1].split('"')[1]


class _ViewerBot:
    """Stands in for the bot's two reads the viewer makes."""

    @staticmethod
    def article_text(name: str) -> str | None:
        return "Awal <b>. Kata Xi: 1 jam 25 menit. Akhir." if name == "a.txt" else None

    @staticmethod
    def manifest() -> dict:
        return {"a.txt": {"title": "Judul & <i>"}}


def test_the_viewer_marks_the_passage_and_the_span_and_escapes_the_rest() -> None:
    import json

    text = _ViewerBot.article_text("a.txt")
    start, end = text.index("Kata"), text.index(" Akhir")
    payload = json.dumps({"article": "a.txt", "start": start, "end": end,
                          "span_start": text.index("1 jam"), "span_end": text.index(". Akhir")})
    shown = app.viewer_html(_ViewerBot(), payload)
    assert ('Awal &lt;b&gt;. <mark class="passage">Kata Xi: </mark><mark class="passage"><mark class="span">'
            '1 jam 25 menit</mark></mark><mark class="passage">.</mark> Akhir.') in shown
    assert "Judul &amp; &lt;i&gt;" in shown and f"characters {start}\u2013{end}" in shown
    gone = app.viewer_html(_ViewerBot(), json.dumps({"article": "x.txt", "start": 0, "end": 1}))
    assert "no longer indexed" in gone and "x.txt" in gone
    for bad in ("{not json", '{"article": "a.txt", "start": Infinity, "end": 3}',
                '{"article": "a.txt", "start": 0, "end": 3, "span_start": "x", "span_end": 2}', "[1]", "null"):
        assert "could not be read" in app.viewer_html(_ViewerBot(), bad), bad
    out_of_range = app.viewer_html(_ViewerBot(), json.dumps({"article": "a.txt", "start": 5, "end": 999}))
    assert "<mark" not in out_of_range


def test_a_link_from_before_the_article_changed_finds_its_passage_or_says_it_is_gone() -> None:
    import json

    old = "Kata Xi: 1 jam 25 menit."
    payload = {"article": "a.txt", "start": 0, "end": len(old), "span_start": 9, "span_end": 23, "quote": old}
    text = _ViewerBot.article_text("a.txt")  # the passage now sits after "Awal <b>. "
    moved = app.viewer_html(_ViewerBot(), json.dumps(payload))
    start = text.index(old)
    assert f"characters {start}\u2013{start + len(old)}" in moved
    assert '<mark class="span">1 jam 25 menit</mark>' in moved and "has changed" not in moved
    gone = app.viewer_html(_ViewerBot(), json.dumps({**payload, "quote": "Kata Putin: 2 jam."}))
    assert "has changed since the answer was given" in gone and "<mark" not in gone
    assert "Awal &lt;b&gt;. Kata Xi" in gone  # the article as it reads now


def test_a_blank_chat_message_changes_nothing() -> None:
    history = [{"role": "user", "content": "Berapa lama?"}, {"role": "assistant", "content": "1 jam [1]."}]
    for blank in ("", "   ", "\x07\n\t"):
        assert list(app.respond(None, blank, history)) == [history]  # type: ignore[arg-type]
    assert list(app.respond(None, "", None)) == [[]]  # type: ignore[arg-type]
