"""The web chat: app.py served in a subprocess and driven through gradio_client, plus the
HTML it builds for sources and history."""

from __future__ import annotations

import html
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
    "empty": "",
    "long": "x" * 100_000,
    "control": "\x00\x07\x1b\x7f",
}


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
    assert '<details class="sources"><summary>Sources</summary>' in reply
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
    shown = app.message_text(chat[0]["content"])
    assert len(shown) <= app.SHOWN_QUESTION_CHARS + 2


def test_script_text_is_escaped_in_the_chat(client: Client) -> None:
    script = "<script>alert(1)</script>"
    chat = client.predict(script, [], api_name="/chat")
    assert app.message_text(chat[0]["content"]) == html.escape(script)
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
        {"role": "assistant", "content": "Yes [1].\n\n" + app.sources_html([])},
        {"role": "system", "content": "ignored"},
    ]
    assert app.plain_history(chat) == [
        {"role": "user", "content": "Is 1 < 2?"},
        {"role": "assistant", "content": "Yes [1]."},
    ]


def test_an_unexpected_error_gets_a_polite_reply() -> None:
    class BrokenBot:
        def ask(self, question: str, history: object = None) -> None:
            raise RuntimeError("index went away")

    assert app.reply_parts(BrokenBot(), "How long was the call?", []) == (app.FAILED, "")
    answer = app.ask_json(BrokenBot(), "How long was the call?")
    assert answer["found"] is False and "index went away" not in answer["error"]


def test_names_in_the_header_are_shown_literally() -> None:
    shown = app.markdown_text("a`</code><img src=x onerror=alert(1)>`[x](javascript:alert(1))*_.txt")
    assert "<" not in shown and "`" not in shown and "[" not in shown and "(" not in shown and "*" not in shown
    assert html.unescape(shown) == "a`</code><img src=x onerror=alert(1)>`[x](javascript:alert(1))*_.txt"


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
